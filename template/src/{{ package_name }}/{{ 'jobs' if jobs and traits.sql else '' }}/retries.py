"""When a job runs again: exponential backoff with full jitter, for retryable errors only, and at
once for a job its stopping worker cut off."""

import asyncio
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from procrastinate import BaseRetryStrategy, JobContext, RetryDecision
from procrastinate.job_context import AbortReason
from procrastinate.jobs import Job
from procrastinate.middleware import AsyncCallNext
from procrastinate.worker import Worker

from .webhooks import DeliveryError

# The jitter's source. Not a secret, but the operating system's generator costs nothing beside an
# HTTP call, and the security scanners (ruff's S311, bandit's B311) pass it with nothing to waive.
_JITTER = random.SystemRandom()


class CutOffByShutdown(Exception):  # noqa: N818 (what happened to the job, not an error of its own)
    """The job was still running when its worker's grace period for stopping ran out."""


async def return_jobs_cut_off_by_shutdown(
    call_next: AsyncCallNext, context: JobContext, worker: Worker
) -> Any:
    """A worker middleware: a job cancelled because its worker stopped (SIGTERM, then the grace
    period spent) raises CutOffByShutdown, which the job's retry strategy returns to the queue;
    procrastinate would otherwise end it `aborted`, never to run. A job aborted on request stays
    aborted, and a task without that strategy ends `failed`."""
    try:
        return await call_next()
    except asyncio.CancelledError:
        if context.abort_reason() is AbortReason.SHUTDOWN:
            raise CutOffByShutdown from None
        raise


class ReturnedWhenCutOff(BaseRetryStrategy):
    """Runs a job again at once when its stopping worker cut it off, and never for an error: the
    strategy of tasks whose next scheduled run repeats them anyway."""

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if isinstance(exception, CutOffByShutdown):
            # Not the job's failure: another worker runs it now, whatever its attempts.
            return RetryDecision(retry_at=datetime.now(UTC))
        return None


class JitteredBackoff(ReturnedWhenCutOff):
    """Retries a job whose error says repeating could succeed, up to `max_attempts` runs in all,
    each after a random wait below `base * 2 ** attempts` (at most `cap`): retries of many jobs that
    failed together spread out instead of arriving together. A job out of attempts, or whose error
    says repeating cannot help, ends `failed`, where a person can see it and retry it."""

    def __init__(
        self,
        *,
        max_attempts: int,
        base_seconds: float,
        cap_seconds: float,
        other_errors_retried: bool = False,
    ) -> None:
        """`other_errors_retried`: whether errors other than DeliveryError are retried too, for
        jobs whose every step is safe to repeat (a database that was away, say)."""
        self.max_attempts = max_attempts
        self.base_seconds = base_seconds
        self.cap_seconds = cap_seconds
        self.other_errors_retried = other_errors_retried

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if returned := super().get_retry_decision(exception=exception, job=job):
            return returned
        if isinstance(exception, DeliveryError):
            if not exception.retryable:
                return None
        elif not self.other_errors_retried:
            return None
        # `attempts` counts the runs before this one.
        if job.attempts + 1 >= self.max_attempts:
            return None
        ceiling = min(self.cap_seconds, self.base_seconds * 2**job.attempts)
        wait = _JITTER.uniform(0, ceiling)
        return RetryDecision(retry_at=datetime.now(UTC) + timedelta(seconds=wait))
