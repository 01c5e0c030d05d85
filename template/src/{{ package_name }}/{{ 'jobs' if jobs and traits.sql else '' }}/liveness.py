"""Whether a worker is alive, for the health checks of compose.yaml and the worker's Kubernetes
Deployment: `python -m <package>.jobs.liveness` exits 0 while the worker's heartbeat file is
fresh, 1 otherwise.

A worker has no port to probe. While it runs, its event loop rewrites the heartbeat file every
BEAT_SECONDS (`beat`, started by worker.py once the queue is open). The file goes stale when that
loop stops turning: a job that blocks it (a sync call that hangs), a deadlock, a process stuck
on its way out. Those are what a restart cures. A worker that loses its database is not left to
the probe: procrastinate stops it as soon as its own heartbeat to the database fails, and the
process exits (the container's restart policy starts another).

The check imports nothing of the service, so that probing every few seconds costs next to nothing.
"""

import asyncio
import sys
import tempfile
import time
from pathlib import Path

# /tmp is the one place a worker may write in its container (Kubernetes mounts it writable over a
# read-only root filesystem).
HEARTBEAT_FILE = Path(tempfile.gettempdir()) / "worker-heartbeat"
BEAT_SECONDS = 5.0
# Six beats missed in a row: no slow moment of a busy loop lasts that long.
STALE_AFTER_SECONDS = 30.0


async def beat(path: Path = HEARTBEAT_FILE, every_seconds: float = BEAT_SECONDS) -> None:
    """Rewrite the heartbeat file every `every_seconds`, until cancelled; then remove it, so that
    a worker that stopped is never taken for one that runs."""
    try:
        while True:
            # An existing file gets the time now. In a thread, as file I/O should be; the loop
            # still has to turn for the beat to happen, which is what the file says.
            await asyncio.to_thread(path.touch)
            await asyncio.sleep(every_seconds)
    finally:
        await asyncio.to_thread(path.unlink, missing_ok=True)


def is_alive(
    path: Path = HEARTBEAT_FILE,
    *,
    stale_after_seconds: float = STALE_AFTER_SECONDS,
    now: float | None = None,
) -> bool:
    """Whether the heartbeat file was written within `stale_after_seconds` of `now`."""
    try:
        written = path.stat().st_mtime
    except FileNotFoundError:
        return False
    return (time.time() if now is None else now) - written < stale_after_seconds


def main() -> None:
    sys.exit(0 if is_alive() else 1)


if __name__ == "__main__":
    main()
