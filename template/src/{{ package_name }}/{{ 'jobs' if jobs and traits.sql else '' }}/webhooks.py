"""The outbound client for webhooks: the project's pattern for calling another service.

Each call has a connect and a read timeout, signs its body with HMAC-SHA256 so the receiver can
tell it came from this service, and carries an idempotency key that stays the same on every retry
of one delivery, so the receiver can drop duplicates. A failure says whether repeating the call
could succeed (a timeout, a refused connection, 429 or a 5xx) or not (any other answer).
"""

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Self

import httpx

SIGNATURE_HEADER = "Webhook-Signature"
TIMESTAMP_HEADER = "Webhook-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
# Statuses worth another attempt: the receiver is busy, rate-limiting or failing for now.
RETRYABLE_STATUSES = frozenset({408, 425, 429})


class DeliveryError(Exception):
    """A webhook was not accepted; `retryable` says whether repeating it could succeed."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The HMAC-SHA256 of `<timestamp>.<body>`, in hex: what the signature header carries."""
    signed = timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_matches(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    """What a receiver checks (in constant time): the header is `sha256=<signature>`."""
    expected = f"sha256={signature(secret, timestamp, body)}"
    return hmac.compare_digest(expected, header)


class WebhookClient:
    """POSTs signed JSON events to one URL. Use it as an async context manager."""

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        connect_timeout_seconds: float,
        read_timeout_seconds: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._url = url
        self._secret = secret
        timeout = httpx.Timeout(
            read_timeout_seconds,
            connect=connect_timeout_seconds,
            write=read_timeout_seconds,
            pool=connect_timeout_seconds,
        )
        # No redirects: a webhook that moved is a configuration error, not something to follow.
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport, follow_redirects=False)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._http.aclose()

    async def send(self, event: str, data: Mapping[str, object], *, idempotency_key: str) -> None:
        """Deliver one event; raises DeliveryError unless the receiver answered 2xx."""
        body = json.dumps({"event": event, "data": data}, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            IDEMPOTENCY_HEADER: idempotency_key,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: f"sha256={signature(self._secret, timestamp, body)}",
        }
        try:
            response = await self._http.post(self._url, content=body, headers=headers)
        except httpx.TransportError as error:
            # Timeouts and refused or dropped connections: the receiver may not have it yet, and
            # the idempotency key makes a second delivery harmless if it has.
            raise DeliveryError(f"{event}: {type(error).__name__}", retryable=True) from error
        if response.is_success:
            return
        status = response.status_code
        retryable = status in RETRYABLE_STATUSES or status >= 500
        raise DeliveryError(f"{event}: the receiver answered {status}", retryable=retryable)
