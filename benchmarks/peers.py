"""The references and peers the generated services are measured against, each set up on this
machine the same way: its own project, its own PostgreSQL database, migrated by its own tool,
seeded with the same number of rows through its own API, and served by uvicorn with one worker.

- raw: FastAPI with one route that runs the profile's list query through an asyncpg pool and
  answers with orjson, in the profile's own environment: what the same query costs with no layers.
- ceiling: the profile's own service (its middleware, exception handlers and access log) with one
  more route that runs the same query through SQLAlchemy Core on the service's engine and answers
  pre-serialised JSON, with no dependencies: the most this stack allows the list endpoint. What
  lies between it and the service's own route is the service's to spend or save.
- s3rius: the project `fastapi_template` (s3rius/FastAPI-template, from the package index)
  generates for PostgreSQL and SQLAlchemy with its dummy model and routers.
- full-stack: full-stack-fastapi-template's backend, from a checkout whose path is given
  (`--full-stack PATH`); nothing of it is kept here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

# One route, the profile's query, nothing between the pool and the socket but FastAPI itself.
RAW_APP = """
import os
from contextlib import asynccontextmanager

import asyncpg
import orjson
from fastapi import FastAPI, Response

FIELDS = os.environ["RAW_FIELDS"].split(", ")
QUERY = (
    f"SELECT {os.environ['RAW_COLUMNS']}, (SELECT count(*) FROM {os.environ['RAW_TABLE']}) AS total"
    f" FROM {os.environ['RAW_TABLE']} ORDER BY {os.environ['RAW_ORDER']} LIMIT $1 OFFSET $2"
)


@asynccontextmanager
async def lifespan(app):
    app.state.pool = await asyncpg.create_pool(os.environ["RAW_DSN"], min_size=1, max_size=5)
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


@app.get("/api/v1/items")
async def items(limit: int = 20, offset: int = 0) -> Response:
    async with app.state.pool.acquire() as connection:
        rows = await connection.fetch(QUERY, limit, offset)
    page = [{field: row[field] for field in FIELDS} for row in rows]
    total = rows[0]["total"] if rows else 0
    body = {"items": page, "total": total, "limit": limit, "offset": offset}
    # asyncpg gives its own UUID type, which orjson does not know: as text, as the services send it.
    return Response(orjson.dumps(body, default=str), media_type="application/json")
"""

# The ceiling: the generated app as it is, plus one route with nothing but the query and the answer.
CEILING_APP = """
import os

import orjson
from fastapi import Request, Response
from sqlalchemy import text

from {package}.main import app

FIELDS = os.environ["RAW_FIELDS"].split(", ")
TABLE = os.environ["RAW_TABLE"]
QUERY = text(
    f"SELECT {{os.environ['RAW_COLUMNS']}}, (SELECT count(*) FROM {{TABLE}}) AS total"
    f" FROM {{TABLE}} ORDER BY {{os.environ['RAW_ORDER']}} LIMIT :limit OFFSET :offset"
)


async def ceiling(request: Request) -> Response:
    limit = int(request.query_params.get("limit", 20))
    offset = int(request.query_params.get("offset", 0))
    async with request.app.state.database.engine.connect() as connection:
        result = await connection.execute(QUERY, {{"limit": limit, "offset": offset}})
        rows = result.mappings().all()
    page = [{{field: row[field] for field in FIELDS}} for row in rows]
    total = rows[0]["total"] if rows else 0
    body = {{"items": page, "total": total, "limit": limit, "offset": offset}}
    return Response(orjson.dumps(body, default=str), media_type="application/json")


app.add_api_route(os.environ["CEILING_PATH"], ceiling, methods=["GET"], include_in_schema=False)
"""

# Where the ceiling answers, beside the service's own route.
CEILING_PREFIX = "/ceiling"

# The columns each profile's list query reads, the fields its endpoint answers with, and the order
# it pages in.
RAW_QUERIES = {
    "model-first": ("id, name, description", "id, name, description", "id"),
    "layered": ("id, name, description", "id, name, description", "id"),
    "ddd": ("id, name, description, version", "id, name, description", "name"),
}


@dataclass
class Target:
    """One server the load phase drives: how to start it and what to ask it."""

    name: str
    cwd: Path
    uvicorn: Path
    app: str
    env: dict[str, str]
    path: str
    uvicorn_args: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    # A peer: what it does not do that the profiles do.
    note: str = ""
    # The raw reference running this server's query, for a profile's server.
    reference: str = ""
    # The ceiling of this server's stack (CEILING_APP), for a profile's server.
    ceiling: str = ""


def raw_target(
    profile: str, project: Path, env: dict[str, str], database_url: str, path: str, table: str
) -> Target:
    """The raw reference on the profile's own database and environment (orjson added to it)."""
    python = project / ".venv" / "bin" / "python"
    subprocess.run(
        ["uv", "pip", "install", "--quiet", "--python", str(python), "orjson"],
        cwd=project, env=env, capture_output=True, check=True,
    )  # fmt: skip
    folder = project / "raw"
    folder.mkdir(exist_ok=True)
    (folder / "raw_app.py").write_text(RAW_APP)
    columns, fields, order = RAW_QUERIES[profile]
    raw_env = env | {
        "PYTHONPATH": str(folder),
        "RAW_DSN": database_url.replace("+asyncpg", ""),
        "RAW_TABLE": table,
        "RAW_COLUMNS": columns,
        "RAW_FIELDS": fields,
        "RAW_ORDER": order,
    }
    return Target(
        f"raw asyncpg + orjson, {profile}'s query",
        project, project / ".venv" / "bin" / "uvicorn", "raw_app:app", raw_env, path,
    )  # fmt: skip


def ceiling_target(
    profile: str, project: Path, env: dict[str, str], path: str, table: str, package: str
) -> Target:
    """The ceiling, in the profile's own project, on the database its `env` names (orjson added
    to the environment by `raw_target`)."""
    folder = project / "ceiling"
    folder.mkdir(exist_ok=True)
    (folder / "ceiling_app.py").write_text(CEILING_APP.format(package=package))
    columns, fields, order = RAW_QUERIES[profile]
    route = CEILING_PREFIX + path.split("?", 1)[0]
    ceiling_env = env | {
        "PYTHONPATH": str(folder),
        "RAW_TABLE": table,
        "RAW_COLUMNS": columns,
        "RAW_FIELDS": fields,
        "RAW_ORDER": order,
        "CEILING_PATH": route,
    }
    return Target(
        f"ceiling: {profile}'s app, Core query, no dependencies, pre-serialised",
        project, project / ".venv" / "bin" / "uvicorn", "ceiling_app:app", ceiling_env,
        CEILING_PREFIX + path,
    )  # fmt: skip


def seed(
    base_url: str, method: str, path: str, bodies: list[dict[str, str]], token: str = ""
) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        for body in bodies:
            client.request(method, path, json=body).raise_for_status()


def wait_for(base_url: str, path: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base_url + path, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{base_url}{path} did not answer within 60 s")


# --- s3rius/FastAPI-template ------------------------------------------------------------------

S3RIUS_NAME = "s3bench"
S3RIUS_OPTIONS = [
    "--api-type", "rest", "--db", "postgresql", "--orm", "sqlalchemy", "--ci", "none",
    "--migrations", "--dummy", "--routers",
]  # fmt: skip


def s3rius_generator(workdir: Path, env: dict[str, str]) -> Path:
    """A virtual environment with `fastapi_template`, and a directory whose `uv` does nothing: the
    generator ends by running `uv sync`, which a render time must not include (Archetype's is
    measured with its tasks skipped)."""
    venv = workdir / "s3rius-generator"
    subprocess.run(["uv", "venv", "--quiet", str(venv)], env=env, check=True)
    subprocess.run(
        ["uv", "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"),
         "fastapi_template"],
        env=env, check=True,
    )  # fmt: skip
    no_uv = workdir / "s3rius-no-uv"
    no_uv.mkdir()
    (no_uv / "uv").write_text("#!/bin/sh\nexit 0\n")
    (no_uv / "uv").chmod(0o755)
    return venv


def s3rius_render(venv: Path, destination: Path, env: dict[str, str]) -> list[str]:
    destination.mkdir(parents=True)
    return [
        str(venv / "bin" / "fastapi_template"), "--name", S3RIUS_NAME, "--quiet", *S3RIUS_OPTIONS,
    ]  # fmt: skip


def s3rius_env(env: dict[str, str], venv: Path) -> dict[str, str]:
    no_uv = venv.parent / "s3rius-no-uv"
    return env | {"PATH": f"{no_uv}:{env.get('PATH', os.environ['PATH'])}"}


def s3rius_target(
    project: Path, python: str, env: dict[str, str], database: str, limit: int, offset: int
) -> Target:
    """s3rius's project, synced with `python` (it needs 3.12 or later) and migrated."""
    subprocess.run(
        ["uv", "sync", "--quiet", "--no-dev", "--python", python],
        cwd=project, env=env, capture_output=True, check=True,
    )  # fmt: skip
    server_env = env | {
        "S3BENCH_DB_HOST": "127.0.0.1",
        "S3BENCH_DB_USER": "postgres",
        "S3BENCH_DB_PASS": "",
        "S3BENCH_DB_BASE": database,
        "S3BENCH_ENVIRONMENT": "prod",
    }
    venv = project / ".venv" / "bin"
    subprocess.run(
        [str(venv / "alembic"), "upgrade", "head"],
        cwd=project, env=server_env, capture_output=True, check=True,
    )  # fmt: skip
    return Target(
        "s3rius/FastAPI-template",
        project,
        venv / "uvicorn",
        f"{S3RIUS_NAME}.web.application:get_app",
        server_env,
        f"/api/dummy/?limit={limit}&offset={offset}",
        uvicorn_args=["--factory"],
        note="no total, no ORDER BY",
    )


def s3rius_bodies(rows: int) -> tuple[str, str, list[dict[str, str]]]:
    return "PUT", "/api/dummy/", [{"name": f"item {n:04}"} for n in range(rows)]


# --- full-stack-fastapi-template --------------------------------------------------------------

FULL_STACK_USER = "bench@example.com"
# A throwaway superuser in a throwaway database, made and dropped by the benchmark.
FULL_STACK_PASSWORD = "bench-password-1"  # noqa: S105


def full_stack_target(
    checkout: Path,
    python: str,
    workdir: Path,
    env: dict[str, str],
    database: str,
    limit: int,
    offset: int,
) -> Target:
    """Its backend, copied out of the checkout, synced, migrated and given its first superuser."""
    backend = workdir / "full-stack-backend"
    shutil.copytree(checkout / "backend", backend, ignore=shutil.ignore_patterns(".venv"))
    subprocess.run(
        ["uv", "sync", "--quiet", "--no-dev", "--python", python],
        cwd=backend, env=env, capture_output=True, check=True,
    )  # fmt: skip
    server_env = env | {
        "PROJECT_NAME": "bench",
        "ENVIRONMENT": "local",
        "SECRET_KEY": "bench-secret-key-not-for-production",
        "POSTGRES_SERVER": "127.0.0.1",
        "POSTGRES_USER": "postgres",
        "POSTGRES_PASSWORD": "bench",
        "POSTGRES_DB": database,
        "FIRST_SUPERUSER": FULL_STACK_USER,
        "FIRST_SUPERUSER_PASSWORD": FULL_STACK_PASSWORD,
    }
    venv = backend / ".venv" / "bin"
    for command in ([str(venv / "alembic"), "upgrade", "head"],
                    [str(venv / "python"), "app/initial_data.py"]):  # fmt: skip
        subprocess.run(command, cwd=backend, env=server_env, capture_output=True, check=True)
    return Target(
        "full-stack-fastapi-template", backend, venv / "uvicorn", "app.main:app", server_env,
        f"/api/v1/items/?skip={offset}&limit={limit}",
        note="sync routes; every request authenticated (a JWT and a user lookup)",
    )  # fmt: skip


def full_stack_token(base_url: str) -> str:
    response = httpx.post(
        f"{base_url}/api/v1/login/access-token",
        data={"username": FULL_STACK_USER, "password": FULL_STACK_PASSWORD},
        timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def full_stack_bodies(rows: int) -> tuple[str, str, list[dict[str, str]]]:
    bodies = [{"title": f"item {n:04}", "description": "x" * 40} for n in range(rows)]
    return "POST", "/api/v1/items/", bodies
