"""Identity's use cases: registering a user, logging in, and recognising a bearer token."""

from collections.abc import Callable
from datetime import timedelta

from ....contracts.identity import Authenticate, UserIdentity
from ....core.security import (
    InvalidTokenError,
    create_access_token,
    hash_password_in_thread,
    read_access_token,
    user_id_from_subject,
    verify_login_in_thread,
)
from ....shared_kernel.errors import AuthenticationError, ConflictError
from ..domain.model import User
from ..domain.value_objects import EmailAddress
from .commands import Register
from .queries import IssuedToken, LogIn
from .unit_of_work import IdentityUnitOfWork


async def register(command: Register, uow: IdentityUnitOfWork) -> UserIdentity:
    email = EmailAddress.parse(command.email)
    async with uow:
        if await uow.users.get_by_email(email) is not None:
            msg = "An account with this email address already exists."
            raise ConflictError(msg)
        password_hash = await hash_password_in_thread(command.password)
        user = User.register(email, password_hash)
        await uow.users.add(user)
        await uow.commit()
    return UserIdentity(user_id=user.id, email=user.email.value)


class Authentication:
    """Logs users in, and recognises the tokens it issued."""

    def __init__(
        self, unit_of_work: Callable[[], IdentityUnitOfWork], secret: str, ttl: timedelta
    ) -> None:
        self._unit_of_work = unit_of_work
        self._secret = secret
        self._ttl = ttl

    async def log_in(self, query: LogIn) -> IssuedToken:
        async with self._unit_of_work() as uow:
            user = await uow.users.get_by_email(EmailAddress.parse(query.email))
        # Verified before `user` is checked, so unknown emails cost the same argon2 work.
        password_hash = user.password_hash if user else None
        valid = await verify_login_in_thread(password_hash, query.password)
        if user is None or not valid:
            msg = "The email or password is wrong."
            raise AuthenticationError(msg)
        token = create_access_token(str(user.id), self._secret, self._ttl)
        return IssuedToken(token=token, expires_in=int(self._ttl.total_seconds()))

    async def authenticate(self, query: Authenticate) -> UserIdentity:
        try:
            subject = read_access_token(query.token, self._secret)
        except InvalidTokenError as error:
            msg = "The access token is invalid or expired."
            raise AuthenticationError(msg) from error
        user_id = user_id_from_subject(subject)
        async with self._unit_of_work() as uow:
            user = None if user_id is None else await uow.users.get(user_id)
        if user is None:
            msg = "The access token's user no longer exists."
            raise AuthenticationError(msg)
        return UserIdentity(user_id=user.id, email=user.email.value)
