"""The item webhook over HTTP: the project's pattern for calling an external API.

A typed adapter behind a port (services/notifications.py, ItemWebhook), on one httpx client with
connect and read timeouts. Each notification is a JSON POST signed the Standard Webhooks way: the
headers `webhook-id` (the idempotency key, the same on every attempt), `webhook-timestamp` and
`webhook-signature` (`v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` under the shared
secret); `verify` is what a receiver runs.

Only what is safe to repeat is retried, with exponential backoff and full jitter: a connection
that failed or timed out, and the answers that mean "not now" (408, 425, 429, 5xx). The receiver
drops a duplicate by its idempotency key, so a POST that timed out after it arrived does no harm
when sent again. Any other answer (a 4xx, or a redirect, which is not followed) is refused for
good: sending it again gets the same answer.
"""

import base64
import hashlib
import hmac
import json
import random
import time
from collections.abc import Callable, Mapping
from typing import Final

import httpx

from ..services.notifications import (
    Notification,
    PermanentDeliveryError,
    TemporaryDeliveryError,
)

ID_HEADER: Final = "webhook-id"
TIMESTAMP_HEADER: Final = "webhook-timestamp"
SIGNATURE_HEADER: Final = "webhook-signature"
# The answers that mean "not now": the same request may succeed later.
RETRYABLE_STATUSES: Final = frozenset({408, 425, 429, 500, 502, 503, 504})
# How old a signed request a receiver accepts, against replays of a captured one.
SIGNATURE_TOLERANCE_SECONDS: Final = 300

_jitter = random.SystemRandom()


def sign(secret: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header's value for this body."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(
    secret: bytes,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float | None = None,
    tolerance: int = SIGNATURE_TOLERANCE_SECONDS,
) -> bool:
    """What a receiver checks: the signature is the secret's, over this body, and recent."""
    try:
        message_id = headers[ID_HEADER]
        timestamp = int(headers[TIMESTAMP_HEADER])
        signatures = headers[SIGNATURE_HEADER].split()
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = sign(secret, message_id, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)


class HttpItemWebhook:
    """ItemWebhook over HTTP. One instance per process: its client keeps connections open."""

    def __init__(  # noqa: PLR0913 -- the timeouts and retries are the adapter's settings
        self,
        url: str,
        secret: bytes,
        *,
        connect_timeout: float,
        read_timeout: float,
        attempts: int = 3,
        backoff_seconds: float = 0.5,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self._url = url
        self._secret = secret
        self._attempts = attempts
        self._backoff = backoff_seconds
        self._sleep = time.sleep if sleep is None else sleep
        timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self._client = httpx.Client(timeout=timeout, transport=transport, follow_redirects=False)

    def send(self, notification: Notification) -> None:
        body = json.dumps(
            {"type": notification.event, "data": notification.data}, separators=(",", ":")
        ).encode()
        failure = TemporaryDeliveryError("the webhook was not tried")
        for attempt in range(self._attempts):
            if attempt:
                self._sleep(self.backoff(attempt))
            timestamp = int(time.time())
            headers = {
                "content-type": "application/json",
                ID_HEADER: notification.idempotency_key,
                TIMESTAMP_HEADER: str(timestamp),
                SIGNATURE_HEADER: sign(self._secret, notification.idempotency_key, timestamp, body),
            }
            try:
                response = self._client.post(self._url, content=body, headers=headers)
            except httpx.TransportError as error:
                # Refused, reset or timed out: it may have arrived, and the key makes a repeat safe.
                failure = TemporaryDeliveryError(f"the webhook did not answer: {error!r}")
                continue
            if response.is_success:
                return
            if response.status_code not in RETRYABLE_STATUSES:
                msg = f"the webhook refused the notification: {response.status_code}"
                raise PermanentDeliveryError(msg)
            failure = TemporaryDeliveryError(f"the webhook answered {response.status_code}")
        raise failure

    def backoff(self, attempt: int) -> float:
        """Seconds to wait before retry number `attempt` (1, 2, ...): full jitter, so that senders
        failing together do not come back together."""
        return _jitter.uniform(0, self._backoff * 2 ** (attempt - 1))

    def close(self) -> None:
        self._client.close()
