"""The unit of work, and the repositories whose aggregates it collects events from."""

import json
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Self
from uuid import UUID

from .domain import AggregateRoot, DomainEvent
from .idempotency import IdempotencyStore, keyed_request, run_once


@dataclass(frozen=True)
class IdempotencyKey:
    """The key a client sent with a command, so that the command changes things once per key;
    with `caller` (who sent it, when known) the key is theirs alone."""

    key: str
    caller: str | None = None


class Repository:
    """A collection of one kind of aggregate.

    It remembers each aggregate it hands out or takes in, so that the unit of work can collect
    the events they record.
    """

    def __init__(self) -> None:
        self.seen: list[AggregateRoot] = []

    def _track(self, aggregate: AggregateRoot) -> None:
        if aggregate not in self.seen:
            self.seen.append(aggregate)


class UnitOfWork(ABC):
    """One business transaction.

    `commit()` inside `async with` keeps every change; leaving the block without it keeps none.
    The domain events of the changes are committed with them (what other contexts must hear of
    goes into the outbox in the same transaction) and handed to the message bus afterwards.
    """

    # The idempotency keys of creates, kept in the same transaction as the changes.
    requests: IdempotencyStore
    # The client's key for the command this unit of work runs, if it sent one (the bus sets it).
    idempotency_key: IdempotencyKey | None = None

    def __init__(self) -> None:
        self._committed_events: list[DomainEvent] = []

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        # After a commit there is nothing left to roll back.
        await self.rollback()

    async def commit(self) -> None:
        events = [
            event
            for repository in self._repositories()
            for aggregate in repository.seen
            for event in aggregate.pull_events()
        ]
        await self._commit(events)
        self._committed_events.extend(events)

    async def once(
        self, operation: str, fingerprint: str, create: Callable[[], Awaitable[UUID]]
    ) -> UUID:
        """The id of what `create()` makes; for a command sent again with its key, the id it
        made the first time, without running it again. `fingerprint` is what the command asks
        for, serialised the same way every time; `commit()` keeps the key with the change."""
        key = self.idempotency_key
        if key is None:
            return await create()
        request = keyed_request(operation, key.key, fingerprint, key.caller)
        return await run_once(request, self.requests, create, dump=str, load=_recorded_id)

    def collect_new_events(self) -> list[DomainEvent]:
        """The events of the changes committed so far, each handed out once."""
        events, self._committed_events = self._committed_events, []
        return events

    @abstractmethod
    async def rollback(self) -> None: ...

    @abstractmethod
    async def _commit(self, events: list[DomainEvent]) -> None:
        """Make the changes, and what other contexts must hear of `events`, durable together."""

    @abstractmethod
    def _repositories(self) -> Iterable[Repository]: ...


def _recorded_id(answer: str) -> UUID:
    # Before handlers answered with ids, the whole view was recorded: its id is the answer.
    return UUID(json.loads(answer)["id"]) if answer.startswith("{") else UUID(answer)
