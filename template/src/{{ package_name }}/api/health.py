"""Liveness and readiness probes, outside the versioned API."""

import logging
from typing import Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from .deps import DatabaseDep
from .errors import PROBLEM_RESPONSES

logger = logging.getLogger(__name__)

router = APIRouter(tags=["health"])


class HealthStatus(BaseModel):
    status: Literal["ok"] = "ok"


@router.get("/health")
async def health() -> HealthStatus:
    """The process is up; says nothing about its dependencies."""
    return HealthStatus()


@router.get("/ready", responses={503: PROBLEM_RESPONSES["5XX"]})
async def ready(database: DatabaseDep) -> HealthStatus:
    """The service can do its work: the database answers a query."""
    try:
        await database.ping()
    except Exception as error:
        logger.exception("readiness check failed")
        raise HTTPException(status_code=503, detail="The database is not reachable.") from error
    return HealthStatus()
