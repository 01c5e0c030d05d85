"""The building blocks of every domain model.

Plain Python on purpose: no framework, ORM or validation library, so the business rules can be
read, and tested, on their own.
"""

from dataclasses import dataclass
from uuid import UUID

from .messages import Event


@dataclass(frozen=True)
class ValueObject:
    """A value without identity: immutable, and equal to any other with the same attributes.

    Subclasses are frozen dataclasses that check their rules in `__post_init__`, so an invalid
    value cannot exist.
    """


@dataclass(frozen=True)
class DomainEvent(Event):
    """Something that happened inside one bounded context.

    Other contexts never see domain events; what they may know is published as an integration
    event in `contracts/`.
    """


class Entity:
    """Has an identity that outlives changes to its attributes: equal when the ids are equal. The
    domain assigns it, so an entity has its identity before any save."""

    id: UUID

    def __eq__(self, other: object) -> bool:
        return isinstance(other, type(self)) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)


class AggregateRoot(Entity):
    """The entity that guards a cluster of objects: the only one outsiders hold or load.

    Each change it accepts records a domain event; the unit of work collects them after commit.
    """

    def record(self, event: DomainEvent) -> None:
        # Kept in __dict__, not set in __init__: the ORM loads aggregates without calling it.
        self.__dict__.setdefault("_recorded_events", []).append(event)

    def pull_events(self) -> list[DomainEvent]:
        """The events recorded since the last pull, oldest first; recording starts afresh."""
        events: list[DomainEvent] = self.__dict__.pop("_recorded_events", [])
        return events
