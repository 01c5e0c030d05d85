"""The job queue: procrastinate's tables in the service's own PostgreSQL.

A job is deferred in the transaction of the change it is about (`JobQueue.defer`, on the request's
connection), so it exists if and only if that change committed: no job for a create that rolled
back, none lost for one that committed. The worker (`python -m <package>.worker`) runs the jobs on
procrastinate's own psycopg pool; docs/STANDARDS.md, "Jobs", says where jobs live.
"""

import json
import re
from typing import Any, LiteralString

import procrastinate
from procrastinate.psycopg_connector import PsycopgConnector
from procrastinate.types import JobToDefer
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection

from ..core.config import Settings
from .idempotency import register_idempotency_tasks
from .items import register_item_tasks

# Every table, type and function of the queue starts so (its migration creates them; the tests of
# the migrations leave them out of the comparison with the declared tables).
QUEUE_OBJECT_PREFIX = "procrastinate_"

# procrastinate's queries name their parameters %(name)s, as psycopg does; SQLAlchemy binds :name,
# and reads a literal `::` as a cast only when escaped.
_PARAMETER = re.compile(r"%\((\w+)\)s")

# A worker records a heartbeat every 10 s; one silent this long was killed (kill -9, a lost node)
# and its running jobs are run again by the periodic task below.
STALLED_AFTER_SECONDS = 60.0
RETRY_STALLED_JOBS = "queue.retry_stalled_jobs"


def owned_by_queue(name: str | None) -> bool:
    """Whether a database object belongs to the job queue rather than to the service's tables."""
    return name is not None and name.startswith(QUEUE_OBJECT_PREFIX)


def leave_out_queue_tables(name: str | None, kind: str, _parents: object) -> bool:
    """Alembic's `include_name`: every object but the queue's tables, which its migration owns."""
    return not (kind == "table" and owned_by_queue(name))


def _rows(jobs: list[JobToDefer]) -> list[tuple[object, ...]]:
    """The jobs to defer as composite rows for asyncpg, their JSON arguments as text."""
    return [
        (
            job.queue_name,
            job.task_name,
            job.priority,
            job.lock,
            job.queueing_lock,
            json.dumps(job.args),
            job.scheduled_at,
        )
        for job in jobs
    ]


class TransactionalConnector(PsycopgConnector):
    """procrastinate's psycopg connector, which also defers jobs on a SQLAlchemy connection.

    The worker fetches and runs jobs through the psycopg pool. A job deferred with
    `configure(connection=<an AsyncConnection>)` is inserted by procrastinate's own query on that
    connection instead, inside its transaction.
    """

    async def execute_query_all_async_with_connection(
        self, connection: Any, query: LiteralString, **arguments: Any
    ) -> list[dict[str, Any]]:
        if not isinstance(connection, AsyncConnection):
            rows: list[dict[str, Any]] = await super().execute_query_all_async_with_connection(
                connection, query, **arguments
            )
            return rows
        values = {
            name: _rows(value) if name == "jobs" else value for name, value in arguments.items()
        }
        statement = text(_PARAMETER.sub(r":\1", query.replace("::", r"\:\:")))
        result = await connection.execute(statement, values)
        return [dict(row) for row in result.mappings()]


def conninfo(database_url: str) -> str:
    """The libpq URL of the service's database (psycopg's), from its SQLAlchemy URL."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


async def retry_stalled_jobs(queue: procrastinate.App, *, seconds_since_heartbeat: float) -> int:
    """Queue again the jobs left running by workers that stopped sending heartbeats; how many.
    A job is therefore at least once: its effect must be harmless to repeat."""
    stalled = list(
        await queue.job_manager.get_stalled_jobs(seconds_since_heartbeat=seconds_since_heartbeat)
    )
    for job in stalled:
        await queue.job_manager.retry_job(job)
    return len(stalled)


def create_job_queue(settings: Settings) -> procrastinate.App:
    """The queue with every task registered; it opens no connection until `open_async()`."""
    connector = TransactionalConnector(
        conninfo=conninfo(settings.database_url),
        min_size=1,
        max_size=settings.worker_concurrency + 2,
    )
    queue = procrastinate.App(connector=connector)
    register_item_tasks(queue, settings)
    register_idempotency_tasks(queue, settings)

    # Every minute, deferred once whatever the number of workers (the queue deduplicates it).
    @queue.periodic(cron="* * * * *", periodic_id=RETRY_STALLED_JOBS)
    @queue.task(name=RETRY_STALLED_JOBS, queueing_lock=RETRY_STALLED_JOBS)
    async def retry_stalled(timestamp: int) -> None:
        await retry_stalled_jobs(queue, seconds_since_heartbeat=STALLED_AFTER_SECONDS)

    return queue
