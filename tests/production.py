"""A generated service run the way production runs it, and the clients that load it.

Shared by tests/test_production.py, which asserts what must hold under load and faults, and by
benchmarks/run.py, which writes down how many requests, 503s and seconds to recover a run took.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import random
import re
import secrets
import shlex
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import psycopg
from support import REPO, describe, project_env, python_for, render, run

API = "/api/v1"
CREDENTIALS = {"email": "load@example.com", "password": "correct horse battery staple"}
# The table each SQL profile keeps its items in, and where ddd's ordering keeps its products.
ITEMS_TABLE = {"model-first": "items", "layered": "items", "ddd": "catalog_items"}
PRODUCTS_TABLE = "ordering_products"
# Small pools, so that a few dozen clients are many times what the service can serve at once.
POOL = {"DATABASE_POOL_SIZE": "2", "DATABASE_MAX_OVERFLOW": "2"}
# The login limit counts attempts per minute (api/rate_limit.py).
RATE_LIMIT_WINDOW_SECONDS = 60
WORKERS = 2  # what the Dockerfile's WEB_CONCURRENCY gives a PostgreSQL project
# Clients at once: four times the connections the workers may hold together.
CLIENTS = 4 * WORKERS * (int(POOL["DATABASE_POOL_SIZE"]) + int(POOL["DATABASE_MAX_OVERFLOW"]))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def installed_service(
    profile: str, destination: Path, template: Path = REPO, **answers: str
) -> Path:
    """The profile rendered with PostgreSQL and JWT (and any other `answers`), and `uv sync`ed."""
    project = render(
        destination,
        template=template,
        profile=profile,
        database="postgresql",
        auth="jwt",
        **answers,
    )
    synced = run(["uv", "sync"], project, project_env(python_for("3.11")))
    assert synced.returncode == 0, describe(synced)
    return project


def dockerfile_command(project: Path, port: int) -> tuple[dict[str, str], str]:
    """The environment and command the project's Dockerfile runs, on a local port: the test
    serves the service exactly as the image would, less the container."""
    text = (project / "Dockerfile").read_text().replace("\\\n", " ")
    environment: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            for assignment in shlex.split(line[4:]):
                name, _, value = assignment.partition("=")
                environment[name] = value
    environment.pop("PATH", None)
    cmd = re.search(r"^CMD (\[.*\])$", text, re.MULTILINE)
    assert cmd is not None, "the Dockerfile has a CMD in exec form"
    command = json.loads(cmd.group(1))
    assert command[:2] == ["sh", "-c"], command
    shell = command[2].replace("--host 0.0.0.0", "--host 127.0.0.1")
    return environment, shell.replace("--port 8000", f"--port {port}")


@dataclass
class Service:
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")[-6000:]


@contextmanager
def served(project: Path, database_url: str, log: Path, **settings: str) -> Iterator[Service]:
    """The service as its Dockerfile starts it (migrations, then uvicorn with its workers), with
    the production settings a deployment gives it."""
    port = free_port()
    env, shell = image_environment(project, database_url, port, **settings)
    with running(["sh", "-c", shell], project, env, port, log) as service:
        yield service


def image_environment(
    project: Path, database_url: str, port: int, **settings: str
) -> tuple[dict[str, str], str]:
    """The environment a process of the image runs in (the web's or a job worker's: one image,
    one set of settings), and the web's command on `port`."""
    image_env, shell = dockerfile_command(project, port)
    env = project_env() | image_env | POOL | settings
    # The image's PATH starts with its virtual environment; so does this one. No `uv run` in
    # between: signals reach uvicorn itself, as in the container.
    venv = project / ".venv"
    env |= {"PATH": f"{venv / 'bin'}{os.pathsep}{env['PATH']}", "VIRTUAL_ENV": str(venv)}
    env |= {"DATABASE_URL": database_url, "JWT_SECRET": secrets.token_urlsafe(48)}
    return env, shell


@contextmanager
def running(
    command: list[str], project: Path, env: dict[str, str], port: int, log: Path
) -> Iterator[Service]:
    """A server the project runs on `port`, answering before the block; killed with its children
    after it (output in `log`)."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=project,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        service = Service(f"http://127.0.0.1:{port}", process, log)
        try:
            wait_until_answering(service)
            yield service
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def wait_until_answering(service: Service, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            msg = f"the service exited with {service.process.returncode}:\n{service.log_text()}"
            raise AssertionError(msg)
        try:
            with urllib.request.urlopen(f"{service.base_url}/health", timeout=2):  # noqa: S310
                return
        except OSError:
            time.sleep(0.2)
    msg = f"the service did not answer within {seconds} s:\n{service.log_text()}"
    raise AssertionError(msg)


def bearer_token(service: Service) -> str:
    """Register a user and log in, once: the clients share the token."""
    with httpx.Client(base_url=service.base_url, timeout=60) as client:
        client.post(f"{API}/auth/register", json=CREDENTIALS).raise_for_status()
        token: str = client.post(f"{API}/auth/token", json=CREDENTIALS).json()["access_token"]
    return token


# --- A PostgreSQL cluster of the test's own, which it may restart and kill -----------------------


@dataclass
class Cluster:
    version: str
    name: str
    port: int
    data_directory: Path

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def accepting(self) -> bool:
        ready = subprocess.run(
            ["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(self.port)], check=False
        )
        return ready.returncode == 0

    def wait_until_accepting(self, seconds: float = 60) -> float:
        """Blocks until the server takes connections; returns when that was (monotonic)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.accepting():
                return time.monotonic()
            time.sleep(0.05)
        msg = f"cluster {self.name} did not accept connections within {seconds} s"
        raise AssertionError(msg)

    def ctl(self, *action: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.name, *action],
            capture_output=True,
            text=True,
            check=False,
        )

    def restart(self) -> None:
        restarted = self.ctl("restart", "--mode", "fast")
        assert restarted.returncode == 0, restarted.stderr

    def kill_and_start(self) -> None:
        """kill -9 the postmaster, as a crashed machine would, then start the server again."""
        pid = int((self.data_directory / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 60
        # The killed postmaster's backends notice and exit; until then a new one may not start.
        while (started := self.ctl("start")).returncode != 0:
            assert time.monotonic() < deadline, started.stderr
            time.sleep(0.2)

    def processes(self) -> list[int]:
        """The postmaster's process id, then its children's: every process of the server."""
        pid_file = self.data_directory / "postmaster.pid"
        if not pid_file.exists():
            return []
        postmaster = int(pid_file.read_text().split()[0])
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with suppress(OSError):
                # The parent's id is the second field after the parenthesised command name.
                fields = stat.read_text().rpartition(")")[2].split()
                if int(fields[1]) == postmaster:
                    children.append(int(stat.parent.name))
        return [postmaster, *children]

    @contextmanager
    def frozen(self) -> Iterator[None]:
        """Every process of the server stopped (SIGSTOP) for the block, as a network partition or
        a stuck machine looks to its clients: connections open, nothing answered. Continued
        (SIGCONT) when the block ends, however it ends. The postmaster stops first, so that it
        starts no process that would escape the stop."""
        stopped: list[int] = []
        try:
            for pid in self.processes():
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGSTOP)
                    stopped.append(pid)
            yield
        finally:
            for pid in reversed(stopped):
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)

    def thaw(self) -> None:
        """Continue every process of the server, stopped or not: a stopped server cannot be
        dropped."""
        for pid in self.processes():
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)


@contextmanager
def own_cluster() -> Iterator[Cluster]:
    """A PostgreSQL cluster made for one test on a free port, and dropped after it. The shared
    server on 5432 is never restarted."""
    version = max(path.name for path in Path("/etc/postgresql").iterdir())
    name = f"archetype_{secrets.token_hex(4)}"
    port = free_port()
    created = subprocess.run(
        ["pg_createcluster", version, name, "--port", str(port), "--", "--auth=trust"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert created.returncode == 0, created.stderr
    data_directory = Path(f"/var/lib/postgresql/{version}/{name}")
    cluster = Cluster(version, name, port, data_directory)
    try:
        started = cluster.ctl("start")
        assert started.returncode == 0, started.stderr
        cluster.wait_until_accepting()
        yield cluster
    finally:
        cluster.thaw()
        subprocess.run(
            ["pg_dropcluster", "--stop", version, name], capture_output=True, check=False
        )


# --- Clients -------------------------------------------------------------------------------------


@dataclass
class Tally:
    """What the clients saw."""

    statuses: Counter[int] = field(default_factory=Counter)
    # Requests the server answered with nothing: the connection closed, reset or timed out.
    unanswered: list[str] = field(default_factory=list)
    # 503s without the problem body or Retry-After a client needs to retry.
    bad_refusals: list[str] = field(default_factory=list)
    # What each create finally got: its item (a 201) or the last status (given up).
    created: dict[str, dict[str, object]] = field(default_factory=dict)
    abandoned: dict[str, int] = field(default_factory=dict)
    # When each created item's 201 arrived (monotonic), by the item's id.
    answered_at: dict[str, float] = field(default_factory=dict)
    # Requests answered 2xx, with when (monotonic).
    successes: list[float] = field(default_factory=list)
    # Every answer: how long it took (seconds), and to what.
    waits: list[tuple[float, str]] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values()) + len(self.unanswered)


class LoadClient:
    """One client on its own keep-alive connection: it creates items (retrying each failed or
    unanswered create with its Idempotency-Key), reads, lists and updates them."""

    def __init__(self, service: Service, token: str, tally: Tally, name: str) -> None:
        self._http = httpx.AsyncClient(
            base_url=service.base_url,
            headers={"Authorization": f"Bearer {token}"},
            limits=httpx.Limits(max_connections=1),
            timeout=300,
        )
        self._tally = tally
        self._name = name
        self.updates = True
        # Updates change the item's name rather than its description: ddd publishes renames.
        self.renames = False

    async def close(self) -> None:
        await self._http.aclose()

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
        started = time.monotonic()
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            self._tally.unanswered.append(f"{method} {path}: {error!r}")
            return None
        took = time.monotonic() - started
        self._tally.waits.append((took, f"{method} {path}: {response.status_code}"))
        self._tally.statuses[response.status_code] += 1
        if response.is_success:
            self._tally.successes.append(time.monotonic())
        elif response.status_code == 503 and not (
            response.headers.get("content-type") == "application/problem+json"
            and int(response.headers.get("retry-after", "0")) > 0
        ):
            self._tally.bad_refusals.append(f"{method} {path}: {response.headers}")
        return response

    async def create(self, n: int, attempts: int = 200) -> dict[str, object] | None:
        """POST an item, retrying with the same key until it is created (or `attempts` run out)."""
        key = f"{self._name}-{n}"
        status = 0
        for _ in range(attempts):
            response = await self.request(
                "POST",
                f"{API}/items",
                json={"name": key, "description": "load"},
                headers={"Idempotency-Key": key},
            )
            if response is not None and response.status_code == 201:
                item: dict[str, object] = response.json()
                self._tally.created[key] = item
                self._tally.answered_at[str(item["id"])] = time.monotonic()
                return item
            status = 0 if response is None else response.status_code
            retry_after = 0.5 if response is None else float(response.headers.get("retry-after", 1))
            # A real client waits Retry-After; the test keeps the waits short.
            await asyncio.sleep(min(retry_after, 0.25))
        self._tally.abandoned[key] = status
        return None

    async def work(self, n: int) -> None:
        """One round: create an item, read it, list a page, change it."""
        item = await self.create(n)
        if item is None:
            return
        await self.request("GET", f"{API}/items/{item['id']}")
        await self.request("GET", f"{API}/items", params={"limit": 50})
        if self.updates:
            change = {"name": f"{item['name']} renamed"} if self.renames else {"description": "x"}
            await self.request("PATCH", f"{API}/items/{item['id']}", json=change)


async def load(
    service: Service,
    token: str,
    *,
    clients: int,
    rounds: int,
    seconds: float,
    renames: bool = False,
) -> Tally:
    """`clients` clients at once, each doing up to `rounds` rounds, for at most `seconds`."""
    tally = Tally()
    deadline = time.monotonic() + seconds

    async def one_client(index: int) -> None:
        client = LoadClient(service, token, tally, f"c{index}")
        client.renames = renames
        try:
            for n in range(rounds):
                if time.monotonic() > deadline:
                    break
                await client.work(n)
        finally:
            await client.close()

    await asyncio.gather(*(one_client(index) for index in range(clients)))
    return tally


async def load_until(
    service: Service, token: str, clients: int, stop: asyncio.Event, tally: Tally
) -> None:
    """`clients` clients creating and reading until `stop` is set; each finishes its create."""

    async def one_client(index: int) -> None:
        client = LoadClient(service, token, tally, f"c{index}")
        client.updates = False
        try:
            n = 0
            while not stop.is_set():
                await client.work(n)
                n += 1
        finally:
            await client.close()

    await asyncio.gather(*(one_client(index) for index in range(clients)))


def database_rows(
    url: str, query: str, parameters: tuple[object, ...] = ()
) -> list[tuple[Any, ...]]:
    """Rows of a query, through psycopg (the test's own driver, not the service's)."""
    with psycopg.connect(sync_url(url), autocommit=True) as connection:
        return list(connection.execute(query, parameters).fetchall())


def sync_url(url: str) -> str:
    """The service's asyncpg URL, as psycopg takes it."""
    return url.replace("postgresql+asyncpg://", "postgresql://")


# --- The fault run: a restart, then a crash, under load ------------------------------------------


@dataclass
class FaultRun:
    tally: Tally
    # When the database took connections again: after the restart, and after the crash.
    back: list[float]
    # Item name to id, as stored; `rows` counts them, a name stored twice included.
    stored: dict[str, str]
    rows: int
    # ddd: the catalog items that reached ordering.
    products: set[str]

    def recovery_seconds(self) -> list[float]:
        """From each return of the database to the next request that succeeded."""
        recovered = []
        for moment in self.back:
            later = [success for success in self.tally.successes if success >= moment]
            recovered.append(min(later) - moment if later else float("inf"))
        return recovered

    @property
    def answered(self) -> dict[str, str]:
        return {key: str(item["id"]) for key, item in self.tally.created.items()}


def assert_answered_through(outage: FaultRun, log: Path) -> None:
    """What an outage must leave behind: every request answered, none refused but with a 503 a
    client can retry, every create that got a 201 stored once, and no other create stored."""
    tally = outage.tally
    assert tally.unanswered == [], log.read_text()[-6000:]
    assert {status for status in tally.statuses if status >= 300} <= {503}, tally.statuses
    assert tally.bad_refusals == []
    assert tally.abandoned == {}
    assert outage.stored == outage.answered, "every 201 is stored, and nothing else is"
    assert outage.rows == len(outage.stored), "no create is stored twice"


def through_restart_and_crash(
    profile: str,
    project: Path,
    cluster: Cluster,
    log: Path,
    then: Callable[[Service, Tally], None] | None = None,
    **settings: str,
) -> FaultRun:
    """Half of CLIENTS create and read through `pg_ctlcluster restart`, then `kill -9` of the
    postmaster and a start; each retries a failed create with its key until it is created.
    `then` runs once the clients have finished, while the service still runs, with what they saw."""
    tally = Tally()
    back: list[float] = []
    settings = {"DATABASE_POOL_TIMEOUT_SECONDS": "2"} | settings
    with served(project, cluster.url, log, **settings) as service:
        token = bearer_token(service)

        def faults() -> None:
            time.sleep(1.5)
            cluster.restart()
            back.append(cluster.wait_until_accepting())
            time.sleep(1.5)
            cluster.kill_and_start()
            back.append(cluster.wait_until_accepting())
            time.sleep(2)

        async def scenario() -> None:
            stop = asyncio.Event()
            clients = asyncio.create_task(load_until(service, token, CLIENTS // 2, stop, tally))
            await asyncio.to_thread(faults)
            stop.set()
            await clients

        asyncio.run(scenario())
        if then is not None:
            then(service, tally)
        rows = database_rows(cluster.url, f"SELECT id, name FROM {ITEMS_TABLE[profile]}")  # noqa: S608
        products: set[str] = set()
        if profile == "ddd":
            # The relays in the workers deliver the outbox at least once, after the outage too.
            deadline = time.monotonic() + 60
            while len(products) < len(rows) and time.monotonic() < deadline:
                found = database_rows(cluster.url, f"SELECT id FROM {PRODUCTS_TABLE}")  # noqa: S608
                products = {str(product_id) for (product_id,) in found}
                time.sleep(0.2)
    stored = {name: str(item_id) for item_id, name in rows}
    return FaultRun(tally, back, stored, len(rows), products)


# --- The freeze: a database that does not answer, under load -----------------------------------

# Short bounds, so that a freeze longer than all of them takes seconds.
FREEZE_BOUNDS = {
    "DATABASE_POOL_TIMEOUT_SECONDS": "2",
    "DATABASE_CONNECT_TIMEOUT_SECONDS": "2",
    "DATABASE_STATEMENT_TIMEOUT_SECONDS": "2",
    "DATABASE_TRANSACTION_TIMEOUT_SECONDS": "4",
    "DATABASE_READY_TIMEOUT_SECONDS": "1",
}
# The generated README's bound on a request whose database does not answer: the wait for a
# pooled connection, then connecting or a statement given up by the client (a second after the
# server's own timeout), for each unit of database work the request does.
REQUEST_BOUND_SECONDS = float(FREEZE_BOUNDS["DATABASE_POOL_TIMEOUT_SECONDS"]) + max(
    float(FREEZE_BOUNDS["DATABASE_CONNECT_TIMEOUT_SECONDS"]),
    float(FREEZE_BOUNDS["DATABASE_STATEMENT_TIMEOUT_SECONDS"]) + 1,
)
READY_BOUND_SECONDS = float(FREEZE_BOUNDS["DATABASE_READY_TIMEOUT_SECONDS"])
# What a busy runner may add to a bound: generous, yet far below the minutes an unbounded wait is.
MARGIN_SECONDS = 8
# Twice what a request may take, margin included: a request held for the whole stop, as one
# without a bound would be, takes longer than any bounded one may.
FREEZE_SECONDS = 2 * (REQUEST_BOUND_SECONDS + MARGIN_SECONDS)


@dataclass
class FreezeRun:
    outage: FaultRun
    # /ready asked while the database was stopped, from start to answer: (seconds, status).
    probes: list[tuple[float, int]]


def through_a_freeze(profile: str, project: Path, cluster: Cluster, log: Path) -> FreezeRun:
    """The service with FREEZE_BOUNDS: half of CLIENTS create and read while every process of the
    database is stopped for FREEZE_SECONDS (SIGSTOP, then SIGCONT), each retrying a failed create
    with its key; meanwhile a probe asks /ready twice a second."""
    tally = Tally()
    back: list[float] = []
    probes: list[tuple[float, int]] = []
    frozen = threading.Event()
    with served(project, cluster.url, log, **FREEZE_BOUNDS) as service:
        token = bearer_token(service)

        def fault() -> None:
            time.sleep(1.5)
            with cluster.frozen():
                frozen.set()
                time.sleep(FREEZE_SECONDS)
                frozen.clear()
            back.append(time.monotonic())
            time.sleep(3)

        async def probe(stop: asyncio.Event) -> None:
            async with httpx.AsyncClient(base_url=service.base_url, timeout=300) as client:
                while not stop.is_set():
                    began_frozen, started = frozen.is_set(), time.monotonic()
                    response = await client.get("/ready")
                    if began_frozen and frozen.is_set():
                        probes.append((time.monotonic() - started, response.status_code))
                    await asyncio.sleep(0.5)

        async def scenario() -> None:
            stop = asyncio.Event()
            clients = asyncio.create_task(load_until(service, token, CLIENTS // 2, stop, tally))
            prober = asyncio.create_task(probe(stop))
            await asyncio.to_thread(fault)
            stop.set()
            await asyncio.gather(clients, prober)

        asyncio.run(scenario())
        rows = database_rows(cluster.url, f"SELECT id, name FROM {ITEMS_TABLE[profile]}")  # noqa: S608
    stored = {name: str(item_id) for item_id, name in rows}
    return FreezeRun(FaultRun(tally, back, stored, len(rows), set()), probes)


# --- Login attempts, as a password guesser makes them -------------------------------------------


async def login_attempts(
    service: Service, count: int, headers: Sequence[Mapping[str, str]] | None = None
) -> Counter[int]:
    """`count` wrong logins at once, each on a connection of its own (so that the server's workers
    share them out), the n-th with `headers[n]` if given; their statuses.

    The limit counts attempts in a window of a minute: a burst that took longer would be counted
    in part, so it fails here rather than pass or fail for the wrong reason.
    """
    wrong = {"email": "mallory@example.com", "password": "guess number one"}

    async def attempt(index: int) -> int:
        async with httpx.AsyncClient(base_url=service.base_url, timeout=120) as client:
            response = await client.post(
                f"{API}/auth/token", json=wrong, headers=headers[index] if headers else None
            )
            return response.status_code

    started = time.monotonic()
    statuses = Counter(await asyncio.gather(*(attempt(index) for index in range(count))))
    took = time.monotonic() - started
    assert took < RATE_LIMIT_WINDOW_SECONDS, f"the burst took {took:.0f} s, past the limit's window"
    return statuses


# --- The outbox under load (ddd) ---------------------------------------------------------------


@dataclass
class BacklogRun:
    tally: Tally
    # Rows in the outbox, five times a second through the load.
    backlog: list[int]
    # From the load's end until the outbox was empty (or the wait gave up).
    drained_after: float
    log: str


def through_outbox_load(project: Path, database_url: str, log: Path) -> BacklogRun:
    """CLIENTS create, read, list and rename items for ten rounds while the outbox's size is
    recorded; then how long it takes to empty (at most a minute is waited)."""
    # Waiting for a connection is what the clients beyond the pool do; on a busy runner a wait may
    # be long, and it is no fault of the service's.
    patient = {"DATABASE_POOL_TIMEOUT_SECONDS": "120"}
    backlog: list[int] = []
    loaded = threading.Event()

    def record_backlog() -> None:
        with psycopg.connect(sync_url(database_url), autocommit=True) as connection:
            while not loaded.is_set():
                backlog.append(_outbox_size(connection))
                time.sleep(0.2)

    with (
        served(project, database_url, log, **patient) as service,
        ThreadPoolExecutor(max_workers=1) as recorder,
    ):
        token = bearer_token(service)
        recording = recorder.submit(record_backlog)
        try:
            tally = asyncio.run(
                load(service, token, clients=CLIENTS, rounds=10, seconds=120, renames=True)
            )
        finally:
            loaded.set()
            recording.result()
        started = time.monotonic()
        with psycopg.connect(sync_url(database_url), autocommit=True) as connection:
            while _outbox_size(connection) and time.monotonic() - started < 60:
                time.sleep(0.1)
        drained_after = time.monotonic() - started
    return BacklogRun(tally, backlog, drained_after, log.read_text(errors="replace"))


def _outbox_size(connection: psycopg.Connection[tuple[Any, ...]]) -> int:
    row = connection.execute("SELECT count(*) FROM outbox").fetchone()
    return 0 if row is None else int(row[0])


# --- Jobs: two web workers, two job workers and a webhook receiver, through faults --------------

ITEM_CREATED = "item.created"
# What the receiver does with a delivery, drawn at random for each: most answer at once; some
# are refused for now (503, to be retried); some are applied but answered after the sender's read
# timeout, so the sender retries one the receiver already has (a duplicate it must drop).
RECEIVER_REFUSES = 0.1
RECEIVER_TOO_SLOW = 0.05
WEBHOOK_READ_TIMEOUT_SECONDS = 1.0
# Short retries, so that a delivery refused or timed out is repeated within the run.
JOB_SETTINGS = {
    "WEBHOOK_CONNECT_TIMEOUT_SECONDS": "1",
    "WEBHOOK_READ_TIMEOUT_SECONDS": str(WEBHOOK_READ_TIMEOUT_SECONDS),
    "JOB_MAX_ATTEMPTS": "10",
    "JOB_RETRY_BASE_SECONDS": "0.2",
    "JOB_RETRY_CAP_SECONDS": "2",
}
# The generated periodic task queues again the jobs of a worker silent for 60 s, once a minute;
# the test runs the same function (jobs/queue.py, `retry_stalled_jobs`) as an operator would, with
# a shorter silence, above the 10 s between a live worker's heartbeats, to drain within seconds.
STALLED_AFTER_SECONDS = 20


def message_id(item_id: str) -> str:
    """The `webhook-id` the generated project gives an item's creation (core/webhook_protocol.py,
    `message_id`): the receiver's idempotency key, the same on every attempt."""
    return "-".join([*ITEM_CREATED.split("."), item_id])


@dataclass(frozen=True)
class Delivery:
    """One POST the receiver got, with its Standard Webhooks headers checked."""

    webhook_id: str
    item_id: str
    body: bytes
    signed: bool
    # Whether the receiver applied it (answered 2xx, in time or too late) or refused it.
    applied: bool
    at: float


# Items whose name begins so are poison: the receiver refuses their delivery for now, every time,
# so their jobs run out of attempts and end failed.
POISON = "Poison"
POISON_ITEMS = 3
# Idempotency keys stored expired before the run, which the scheduled purge must delete.
EXPIRED_KEYS = 25


class WebhookReceiver:
    """A local HTTP server that takes the item webhook as a receiver would: it verifies the
    signature over the raw body and records the delivery; at random it refuses one for now or
    answers it too late, and it refuses a poison item's every time."""

    def __init__(self, secret: str, seed: int = 34) -> None:
        key = base64.b64decode(secret.removeprefix("whsec_"))
        # Seeded: a failing run's draws can be had again; nothing here is a secret.
        chance = random.Random(seed)  # noqa: S311
        lock = threading.Lock()
        self.deliveries: list[Delivery] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                webhook_id = self.headers.get("webhook-id", "")
                signed_text = f"{webhook_id}.{self.headers.get('webhook-timestamp', '')}."
                digest = hmac.new(key, signed_text.encode() + body, hashlib.sha256).digest()
                expected = "v1," + base64.b64encode(digest).decode()
                signatures = self.headers.get("webhook-signature", "").split()
                signed = any(hmac.compare_digest(expected, given) for given in signatures)
                with lock:
                    draw = chance.random()
                event = json.loads(body) if signed else {}
                poisoned = str(event.get("data", {}).get("name", "")).startswith(POISON)
                refused = signed and (poisoned or draw < RECEIVER_REFUSES)
                too_slow = signed and not refused and draw < RECEIVER_REFUSES + RECEIVER_TOO_SLOW
                delivery = Delivery(
                    webhook_id,
                    str(event.get("data", {}).get("id", "")),
                    body,
                    signed,
                    applied=signed and not refused,
                    at=time.monotonic(),
                )
                with lock:
                    receiver.deliveries.append(delivery)
                if too_slow:
                    time.sleep(WEBHOOK_READ_TIMEOUT_SECONDS + 0.5)
                status = 401 if not signed else 503 if refused else 204
                with suppress(OSError):  # the sender gave up on a slow answer
                    self.send_response(status)
                    self.send_header("content-length", "0")
                    self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: the deliveries are the record."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks/items"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def applied(self) -> list[Delivery]:
        return [delivery for delivery in list(self.deliveries) if delivery.applied]


class JobWorkers:
    """`count` processes of `python -m <package>.worker`, kept running as compose's `restart:
    unless-stopped` and a Deployment keep them: one that exits (killed, or stopped by itself on
    losing its database) is started again after a second."""

    def __init__(self, project: Path, env: dict[str, str], count: int, logs: Path) -> None:
        package = next(project.glob("src/*/worker.py")).parent.name
        self._command = [str(project / ".venv" / "bin" / "python"), "-m", f"{package}.worker"]
        self._project, self._env, self._logs = project, env, logs
        self.processes: list[subprocess.Popen[bytes]] = [self._start(n) for n in range(count)]
        self.started = count
        # Exit codes of the workers that stopped, in order.
        self.exits: list[int] = []
        self._stop = threading.Event()
        self._keeper = threading.Thread(target=self._keep_running, daemon=True)

    def _start(self, index: int) -> subprocess.Popen[bytes]:
        with (self._logs / f"worker-{index}.log").open("ab") as output:
            return subprocess.Popen(
                self._command,
                cwd=self._project,
                env=self._env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _keep_running(self) -> None:
        while not self._stop.wait(0.2):
            for index, process in enumerate(self.processes):
                if process.poll() is not None and not self._stop.is_set():
                    self.exits.append(process.returncode)
                    time.sleep(1)
                    self.processes[index] = self._start(index)
                    self.started += 1

    def kill(self, index: int) -> None:
        """kill -9, as a lost node or the kernel's OOM killer does."""
        os.kill(self.processes[index].pid, signal.SIGKILL)

    def log_text(self) -> str:
        return "\n".join(
            log.read_text(errors="replace")[-3000:] for log in sorted(self._logs.glob("worker-*"))
        )

    def __enter__(self) -> JobWorkers:
        self._keeper.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._keeper.join()
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


@dataclass
class JobsRun:
    outage: FaultRun
    deliveries: list[Delivery]
    # The item webhook's jobs by status once drained (or the wait gave up).
    jobs: Counter[str]
    # From the clients' last create to every stored item delivered and no job left to run.
    drained_after: float
    # Jobs the stalled-job retry queued again (the killed worker's, and any a worker left when it
    # lost its database), worker processes started in all, and how those that stopped exited.
    stalled_retried: int
    workers_started: int
    worker_exits: list[int]
    log: str
    # The poison items' ids, and the expired idempotency keys left once drained.
    poisoned: set[str]
    expired_keys_left: int

    @property
    def creates(self) -> int:
        return len(self.outage.tally.created)

    def to_delivery(self) -> list[float]:
        """Seconds from each create's 201 to its item's first applied delivery, sorted (below 0
        where the delivery beat the answer to the client)."""
        first: dict[str, float] = {}
        for delivery in self.deliveries:
            if delivery.applied:
                first.setdefault(delivery.item_id, delivery.at)
        answered = self.outage.tally.answered_at
        return sorted(first[item] - answered[item] for item in answered if item in first)


# The scheduled purge's task (jobs/idempotency.py).
PURGE_EXPIRED_KEYS = "idempotency.purge_expired_keys"


def _stalled_retrier(project: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """A process that defers the scheduled purge once, then runs the generated
    `retry_stalled_jobs` every 2 s, printing how many it queued again, until it is killed."""
    package = next(project.glob("src/*/worker.py")).parent.name
    script = f"""
import asyncio
import time
from procrastinate.exceptions import AlreadyEnqueued
from {package}.worker import job_queue
from {package}.jobs.queue import retry_stalled_jobs

SILENCE = {STALLED_AFTER_SECONDS}

async def main():
    async with job_queue.open_async():
        # The purge's run, deferred now as its five-minute schedule would defer it, unless a
        # worker's own schedule has queued it already (its queueing lock allows one).
        purge = job_queue.configure_task("{PURGE_EXPIRED_KEYS}")
        try:
            await purge.defer_async(timestamp=int(time.time()))
        except AlreadyEnqueued:
            pass
        while True:
            count = await retry_stalled_jobs(job_queue, seconds_since_heartbeat=SILENCE)
            print(count, flush=True)
            await asyncio.sleep(2)

asyncio.run(main())
"""
    python = str(project / ".venv" / "bin" / "python")
    return subprocess.Popen(
        [python, "-c", script], cwd=project, env=env, stdout=subprocess.PIPE, text=True
    )


# The task whose jobs announce created items: the items' own, or in ddd the delivery of each
# event the outbox relay moved into the queue (only creates, so one event per item).
ITEM_JOB_TASK = {
    "model-first": "items.notify_created",
    "layered": "items.notify_created",
    "ddd": "outbox.deliver_event",
}


def _item_job_statuses(url: str, task: str) -> Counter[str]:
    rows = database_rows(
        url,
        "SELECT status, count(*) FROM procrastinate_jobs WHERE task_name = %s GROUP BY status",
        (task,),
    )
    return Counter({str(status): int(count) for status, count in rows})


def through_jobs_under_faults(
    project: Path,
    profile: str,
    cluster: Cluster,
    logs: Path,
    *,
    clients: int,
    drain_seconds: float = 300,
) -> JobsRun:
    """The service with its web workers and two job workers, the item webhook pointing at a local
    receiver; `clients` clients create and read items while one job worker is killed with
    `kill -9` and the database is restarted. Then the stalled-job retry runs, and the run waits
    (at most `drain_seconds`) until every stored item was delivered and no item job is left to
    run."""
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    tally = Tally()
    back: list[float] = []
    log = logs / "service.log"
    with WebhookReceiver(secret) as receiver:
        settings = {
            "DATABASE_POOL_TIMEOUT_SECONDS": "2",
            "ITEM_WEBHOOK_URL": receiver.url,
            "ITEM_WEBHOOK_SECRET": secret,
            **JOB_SETTINGS,
        }
        port = free_port()
        env, shell = image_environment(project, cluster.url, port, **settings)
        with (
            running(["sh", "-c", shell], project, env, port, log) as service,
            JobWorkers(project, env, 2, logs) as workers,
        ):
            token = bearer_token(service)
            _store_expired_keys(cluster.url, EXPIRED_KEYS)
            _create_poison_items(service, token)

            def faults() -> None:
                # Deliveries under way before the faults, so that the kill finds jobs running.
                deadline = time.monotonic() + 60
                while len(receiver.deliveries) < 20 and time.monotonic() < deadline:
                    time.sleep(0.1)
                workers.kill(0)
                time.sleep(1.5)
                cluster.restart()
                back.append(cluster.wait_until_accepting())
                time.sleep(2)

            async def scenario() -> None:
                stop = asyncio.Event()
                loading = asyncio.create_task(load_until(service, token, clients, stop, tally))
                await asyncio.to_thread(faults)
                stop.set()
                await loading

            asyncio.run(scenario())
            loaded = time.monotonic()
            retrier = _stalled_retrier(project, env)
            try:
                rows: list[tuple[Any, ...]] = []
                jobs: Counter[str] = Counter()
                expired = EXPIRED_KEYS
                while time.monotonic() - loaded < drain_seconds:
                    table = ITEMS_TABLE[profile]
                    rows = database_rows(cluster.url, f"SELECT id, name FROM {table}")  # noqa: S608
                    jobs = _item_job_statuses(cluster.url, ITEM_JOB_TASK[profile])
                    expired = _expired_keys(cluster.url)
                    delivered = {delivery.item_id for delivery in receiver.applied()}
                    wanted = {str(item) for item, name in rows if not name.startswith(POISON)}
                    drained = wanted <= delivered and not (jobs["todo"] or jobs["doing"])
                    if drained and expired == 0:
                        break
                    time.sleep(0.5)
                drained_after = time.monotonic() - loaded
            finally:
                retrier.kill()
                printed, _ = retrier.communicate(timeout=30)
            stalled = sum(int(line) for line in printed.split() if line.isdigit())
            text = service.log_text() + "\n" + workers.log_text()
            started, exits = workers.started, list(workers.exits)
    # The clients' items; the poison ones the test created itself.
    stored = {name: str(item_id) for item_id, name in rows if not name.startswith(POISON)}
    poisoned = {str(item_id) for item_id, name in rows if name.startswith(POISON)}
    outage = FaultRun(tally, back, stored, len(rows) - len(poisoned), set())
    return JobsRun(
        outage,
        list(receiver.deliveries),
        jobs,
        drained_after,
        stalled,
        started,
        exits,
        text,
        poisoned,
        expired,
    )


def _create_poison_items(service: Service, token: str) -> None:
    with httpx.Client(base_url=service.base_url, timeout=60) as client:
        for number in range(POISON_ITEMS):
            created = client.post(
                f"{API}/items",
                json={"name": f"{POISON} {number}"},
                headers={"Authorization": f"Bearer {token}"},
            )
            created.raise_for_status()


def _store_expired_keys(url: str, count: int) -> None:
    """`count` idempotency keys as creates a day ago left them, expired an hour ago."""
    for number in range(count):
        database_rows(
            url,
            "INSERT INTO idempotency_keys (operation, key, fingerprint, result, expires_at)"
            " VALUES ('create-item', %s, %s, '{}', now() - interval '1 hour') RETURNING key",
            (f"expired-{number}", "0" * 64),
        )


def _expired_keys(url: str) -> int:
    [(count,)] = database_rows(
        url, "SELECT count(*) FROM idempotency_keys WHERE expires_at < now()"
    )
    return int(count)
