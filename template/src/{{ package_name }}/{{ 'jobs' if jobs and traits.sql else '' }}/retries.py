"""When a failed job runs again: exponential backoff with full jitter, for retryable errors only."""

import random
from datetime import UTC, datetime, timedelta

from procrastinate import BaseRetryStrategy, RetryDecision
from procrastinate.jobs import Job

from .webhooks import DeliveryError

# The jitter's source. Not a secret, but the operating system's generator costs nothing beside an
# HTTP call, and the security scanners (ruff's S311, bandit's B311) pass it with nothing to waive.
_JITTER = random.SystemRandom()


class JitteredBackoff(BaseRetryStrategy):
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
