"""The item webhook over HTTP: the project's pattern for calling an external API.

A typed adapter behind a port (services/notifications.py, ItemWebhook), on one httpx client with
connect and read timeouts. Each notification is the Standard Webhooks request every profile of
this template sends (core/webhook_protocol.py: the signing, and `verify`, what a receiver runs):
a JSON POST whose `webhook-id` is the idempotency key, the same on every attempt.

Only what is safe to repeat is retried, with exponential backoff and full jitter: a connection
that failed or timed out, and the answers that mean "not now" (`retryable_status`). The receiver
drops a duplicate by its idempotency key, so a POST that timed out after it arrived does no harm
when sent again. Any other answer (a 4xx, or a redirect, which is not followed) is refused for
good: sending it again gets the same answer.
"""

import random
import time
from collections.abc import Callable

import httpx

from ..core.webhook_protocol import payload, retryable_status, secret_key, signed_headers
from ..services.notifications import (
    Notification,
    PermanentDeliveryError,
    TemporaryDeliveryError,
)

_jitter = random.SystemRandom()


class HttpItemWebhook:
    """ItemWebhook over HTTP. One instance per process: its client keeps connections open."""

    def __init__(  # noqa: PLR0913 -- the timeouts and retries are the adapter's settings
        self,
        url: str,
        secret: str,
        *,
        connect_timeout: float,
        read_timeout: float,
        attempts: int = 3,
        backoff_seconds: float = 0.5,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        secret_key(secret)  # a secret that cannot sign fails here, before any call
        self._url = url
        self._secret = secret
        self._attempts = attempts
        self._backoff = backoff_seconds
        self._sleep = time.sleep if sleep is None else sleep
        timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self._client = httpx.Client(timeout=timeout, transport=transport, follow_redirects=False)

    def send(self, notification: Notification) -> None:
        body = payload(notification.event, notification.data)
        failure = TemporaryDeliveryError("the webhook was not tried")
        for attempt in range(self._attempts):
            if attempt:
                self._sleep(self.backoff(attempt))
            # Signed again for each attempt: its timestamp is the attempt's.
            headers = signed_headers(self._secret, notification.idempotency_key, body)
            try:
                response = self._client.post(self._url, content=body, headers=headers)
            except httpx.TransportError as error:
                # Refused, reset or timed out: it may have arrived, and the key makes a repeat safe.
                failure = TemporaryDeliveryError(f"the webhook did not answer: {error!r}")
                continue
            if response.is_success:
                return
            if not retryable_status(response.status_code):
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
