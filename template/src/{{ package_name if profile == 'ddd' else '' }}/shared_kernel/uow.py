"""The unit of work, and the repositories whose aggregates it collects events from."""

from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Self

from .domain import AggregateRoot, DomainEvent


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
    Only committed changes publish their events.
    """

    def __init__(self) -> None:
        self._committed_events: list[DomainEvent] = []

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        # After a commit there is nothing left to roll back.
        await self.rollback()

    async def commit(self) -> None:
        await self._commit()
        for repository in self._repositories():
            for aggregate in repository.seen:
                self._committed_events.extend(aggregate.pull_events())

    def collect_new_events(self) -> list[DomainEvent]:
        """The events of the changes committed so far, each handed out once."""
        events, self._committed_events = self._committed_events, []
        return events

    @abstractmethod
    async def rollback(self) -> None: ...

    @abstractmethod
    async def _commit(self) -> None: ...

    @abstractmethod
    def _repositories(self) -> Iterable[Repository]: ...
