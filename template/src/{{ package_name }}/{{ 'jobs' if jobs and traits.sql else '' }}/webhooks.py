"""The outbound client for webhooks: the project's pattern for calling another service.

Each call has a connect and a read timeout, and is the Standard Webhooks request every profile
of this template sends (core/webhook_protocol.py): signed with the secret, and carrying a message
id that stays the same on every retry of one event, so the receiver can drop duplicates. A failure
says whether repeating the call could succeed (no answer, or an answer that means "not now") or
not (any other answer).
"""

from collections.abc import Mapping
from types import TracebackType
from typing import Self

import httpx

from ..core.config import Settings
from ..core.webhook_protocol import payload, retryable_status, secret_key, signed_headers


class DeliveryError(Exception):
    """A webhook was not accepted; `retryable` says whether repeating it could succeed."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


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
        secret_key(secret)  # a secret that cannot sign fails here, before any call
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
        """Deliver one event; raises DeliveryError unless the receiver answered 2xx. The key is
        the `webhook-id` (core/webhook_protocol.py, `message_id`): no `.` in it."""
        body = payload(event, data)
        headers = signed_headers(self._secret, idempotency_key, body)
        try:
            response = await self._http.post(self._url, content=body, headers=headers)
        except httpx.TransportError as error:
            # Timeouts and refused or dropped connections: the receiver may not have it yet, and
            # the message id makes a second delivery harmless if it has.
            raise DeliveryError(f"{event}: {type(error).__name__}", retryable=True) from error
        if response.is_success:
            return
        status = response.status_code
        raise DeliveryError(
            f"{event}: the receiver answered {status}", retryable=retryable_status(status)
        )


def configured_webhook(settings: Settings) -> WebhookClient | None:
    """A client of the webhook the settings name (ITEM_WEBHOOK_URL, its secret and the timeouts),
    or None while the URL is unset or empty: a deployment that blanks it turns the webhook off."""
    if not settings.item_webhook_url:
        return None
    return WebhookClient(
        settings.item_webhook_url,
        settings.item_webhook_secret.get_secret_value(),
        connect_timeout_seconds=settings.webhook_connect_timeout_seconds,
        read_timeout_seconds=settings.webhook_read_timeout_seconds,
    )
