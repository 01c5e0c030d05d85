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
from .items import register_item_tasks

# Every table, type and function of the queue starts so (its migration creates them; the tests of
# the migrations leave them out of the comparison with the declared tables).
QUEUE_OBJECT_PREFIX = "procrastinate_"

# procrastinate's queries name their parameters %(name)s, as psycopg does; SQLAlchemy binds :name,
# and reads a literal `::` as a cast only when escaped.
_PARAMETER = re.compile(r"%\((\w+)\)s")


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


def create_job_queue(settings: Settings) -> procrastinate.App:
    """The queue with every task registered; it opens no connection until `open_async()`."""
    connector = TransactionalConnector(
        conninfo=conninfo(settings.database_url),
        min_size=1,
        max_size=settings.worker_concurrency + 2,
    )
    queue = procrastinate.App(connector=connector)
    register_item_tasks(queue, settings)
    return queue
