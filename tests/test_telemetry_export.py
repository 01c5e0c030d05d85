"""Telemetry as production runs it: the service started as its Dockerfile starts it (two workers),
exporting over OTLP to a collector that only the standard OTEL_* variables name, under many
clients at once and through a database restart and crash.

The collector is a stand-in that keeps what each POST carries. OTLP/HTTP sends protobuf, whose
strings and bytes travel as they are: a request id, trace id or service name found in a payload
was exported by the service. The generated suite checks the spans' shape in process; this checks
that they leave every worker, and that turning telemetry on changes nothing a client sees.

The spans and logs code is shared by every SQL profile (telemetry.py, core/logging.py), so one
profile proves it.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from production import (
    API,
    CLIENTS,
    Service,
    Tally,
    assert_answered_through,
    bearer_token,
    installed_service,
    load,
    own_cluster,
    served,
    through_restart_and_crash,
)

pytestmark = [pytest.mark.slow, pytest.mark.production, pytest.mark.xdist_group("telemetry")]

SERVICE_NAME = "archetype-telemetry-test"
TRACES = "/v1/traces"
METRICS = "/v1/metrics"
# FastAPI's HTTP server metric (OpenTelemetry's semantic conventions).
REQUEST_DURATION = b"http.server.request.duration"


@dataclass
class Collector:
    url: str
    received: list[tuple[str, bytes]] = field(default_factory=list)

    def payload(self, path: str) -> bytes:
        return b"".join(body for received_at, body in list(self.received) if received_at == path)

    def wait_for(self, path: str, *expected: bytes, seconds: float = 60) -> list[bytes]:
        """Polls until each of `expected` has arrived at `path`; returns those that have not."""
        deadline = time.monotonic() + seconds
        while True:
            payload = self.payload(path)
            missing = [part for part in expected if part not in payload]
            if not missing or time.monotonic() > deadline:
                return missing
            time.sleep(0.2)


@contextmanager
def collector() -> Iterator[Collector]:
    """An OTLP/HTTP endpoint on a free port that answers every export with success."""
    received: list[tuple[str, bytes]] = []

    class Export(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received.append((self.path, body))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            del format, args

    server = ThreadingHTTPServer(("127.0.0.1", 0), Export)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Collector(f"http://127.0.0.1:{server.server_address[1]}", received)
    finally:
        server.shutdown()
        server.server_close()


def exporting_to(otlp: Collector) -> dict[str, str]:
    """The settings a deployment gives: where the collector is, and the service's name. Batches
    leave every 200 ms rather than every 5 s, only so that the test waits less."""
    return {
        "OTEL_EXPORTER_OTLP_ENDPOINT": otlp.url,
        "OTEL_SERVICE_NAME": SERVICE_NAME,
        "OTEL_BSP_SCHEDULE_DELAY": "200",
        "OTEL_METRIC_EXPORT_INTERVAL": "500",
    }


def access_log(log: Path, at_least: int = 0, seconds: float = 60) -> list[dict[str, object]]:
    """The service's access log lines for the API (not the probes), once there are `at_least`: a
    worker writes a request's line after it has sent the response."""
    deadline = time.monotonic() + seconds
    while True:
        lines = log.read_text().splitlines()
        entries = [json.loads(line) for line in lines if line.startswith("{")]
        requests = [
            entry
            for entry in entries
            if entry.get("message") == "request" and str(entry.get("path", "")).startswith(API)
        ]
        if len(requests) >= at_least or time.monotonic() > deadline:
            return requests
        time.sleep(0.2)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    destination = tmp_path_factory.mktemp("telemetry") / "project"
    return installed_service("model-first", destination, telemetry="opentelemetry")


@pytest.mark.postgres
def test_under_load_every_request_leaves_its_worker_as_a_trace_its_log_line_names(
    project: Path, postgres_database: str, tmp_path: Path
) -> None:
    log = tmp_path / "service.log"

    with collector() as otlp:
        settings = exporting_to(otlp) | {"DATABASE_POOL_TIMEOUT_SECONDS": "120"}
        with served(project, postgres_database, log, **settings) as service:
            token = bearer_token(service)
            tally = asyncio.run(load(service, token, clients=CLIENTS // 2, rounds=3, seconds=60))
            # Each client's requests, and the registration and login before them.
            requests = access_log(log, at_least=tally.requests + 2)
            ids = [str(entry["request_id"]).encode() for entry in requests]
            traces = [bytes.fromhex(str(entry["trace_id"])) for entry in requests]
            missing = otlp.wait_for(TRACES, SERVICE_NAME.encode(), b"db.query.text", *ids, *traces)
            missing_metrics = otlp.wait_for(METRICS, REQUEST_DURATION)

    assert not [status for status in tally.statuses if status >= 500], tally.statuses
    assert len(requests) >= tally.requests + 2, "every API request is in the access log"
    assert missing == [], f"{len(missing)} of {2 * len(requests) + 2} never reached the collector"
    assert missing_metrics == []


def test_through_a_database_restart_and_crash_every_request_is_still_traced(
    project: Path, tmp_path: Path
) -> None:
    log = tmp_path / "service.log"
    missing: list[bytes] = []

    def every_request_traced(_: Service, clients_saw: Tally) -> None:
        # The clients' requests, and the registration and login before them.
        logged = access_log(log, at_least=clients_saw.requests + 2)
        ids = [str(entry["request_id"]).encode() for entry in logged]
        missing.extend(otlp.wait_for(TRACES, *ids))

    with collector() as otlp, own_cluster() as cluster:
        outage = through_restart_and_crash(
            "model-first", project, cluster, log, every_request_traced, **exporting_to(otlp)
        )

    assert_answered_through(outage, log)
    assert missing == [], f"{len(missing)} requests' traces never reached the collector"
