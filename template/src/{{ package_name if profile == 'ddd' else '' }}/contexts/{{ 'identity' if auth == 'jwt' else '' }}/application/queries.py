"""What identity answers besides `contracts.identity.Authenticate`."""

from dataclasses import dataclass

from ....shared_kernel.messages import Query


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_in: int


@dataclass(frozen=True)
class LogIn(Query[IssuedToken]):
    """Logging in changes nothing: it checks the credentials and issues a token."""

    email: str
    password: str
