"""Registration and login: requests become identity's commands and queries on the message bus."""

from fastapi import APIRouter, status

from ....api.deps import BusDep, CurrentUser
from ....api.errors import PROBLEM_RESPONSES
from ....api.rate_limit import LimitAuthAttempts
from ..application.commands import Register
from ..application.queries import LogIn
from .schemas import AccessToken, LoginRequest, UserCreate, UserRead

router = APIRouter(prefix="/auth", tags=["auth"], responses=PROBLEM_RESPONSES)


@router.post("/register", status_code=status.HTTP_201_CREATED, dependencies=[LimitAuthAttempts])
async def register(data: UserCreate, bus: BusDep) -> UserRead:
    user = await bus.handle(Register(email=data.email, password=data.password))
    return UserRead(id=user.user_id, email=user.email)


@router.post("/token", dependencies=[LimitAuthAttempts])
async def log_in(credentials: LoginRequest, bus: BusDep) -> AccessToken:
    issued = await bus.ask(LogIn(email=credentials.email, password=credentials.password))
    return AccessToken(access_token=issued.token, expires_in=issued.expires_in)


@router.get("/me")
async def me(user: CurrentUser) -> UserRead:
    return UserRead(id=user.user_id, email=user.email)
