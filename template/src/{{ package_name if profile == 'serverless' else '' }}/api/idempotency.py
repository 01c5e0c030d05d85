"""Creates that a retry cannot repeat: Powertools' idempotency, kept at the edge so that the
services stay plain Python, with no Lambda code.

A create is remembered for a day: a retry within it gets the first item, not a second one. With an
Idempotency-Key header the key says what a retry is (and the same key with another body is
refused); without one, the same body is a retry. handler.py gives each invocation's Lambda context,
so a request cut off by the function's timeout does not hold its key for the day.
"""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer
from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import PydanticSerializer

from ..core.errors import ConflictError, IdempotencyKeyInUseError, IdempotencyKeyReusedError
from ..schemas.items import ItemCreate, ItemRead

KEY_LIFETIME_SECONDS = 24 * 60 * 60
BY_BODY = IdempotencyConfig(expires_after_seconds=KEY_LIFETIME_SECONDS)
BY_KEY = IdempotencyConfig(
    event_key_jmespath="key",
    payload_validation_jmespath="item",
    expires_after_seconds=KEY_LIFETIME_SECONDS,
)


class IdempotentItemCreate:
    """Creates items with `create` (the service's), once per request, remembered in `store`."""

    def __init__(
        self, create: Callable[[ItemCreate], ItemRead], store: BasePersistenceLayer
    ) -> None:
        self._create = create
        self._by_body = _once(self._create_from_body, "data", BY_BODY, store)
        self._by_key = _once(self._create_keyed, "request", BY_KEY, store)

    def __call__(self, data: ItemCreate, idempotency_key: str | None = None) -> ItemRead:
        try:
            if idempotency_key is None:
                return self._by_body(data=data)
            return self._by_key(request={"key": idempotency_key, "item": data.model_dump()})
        except IdempotencyValidationError as error:
            raise IdempotencyKeyReusedError(str(idempotency_key)) from error
        except IdempotencyAlreadyInProgressError as error:
            if idempotency_key is None:
                msg = "The same request is still in progress; retry it."
                raise ConflictError(msg) from error
            raise IdempotencyKeyInUseError(idempotency_key) from error

    def _create_from_body(self, *, data: ItemCreate) -> ItemRead:
        return self._create(data)

    def _create_keyed(self, *, request: dict[str, Any]) -> ItemRead:
        return self._create(ItemCreate.model_validate(request["item"]))


def _once(
    create: Callable[..., ItemRead],
    argument: str,
    config: IdempotencyConfig,
    store: BasePersistenceLayer,
) -> Callable[..., ItemRead]:
    """`create`, answering a retry (as `config` tells it from `argument`) with its first result."""
    remembered: Callable[..., ItemRead] = idempotent_function(
        data_keyword_argument=argument,
        persistence_store=store,
        config=config,
        output_serializer=PydanticSerializer,
    )(create)
    return remembered
