"""Every bounded context's tables on one MetaData: what Alembic migrates and the tests create."""

from .bootstrap import CONTEXTS
from .persistence import metadata

# A context's tables join `metadata` when its mapping module is imported, and each context's wiring
# imports its own: so `metadata` holds the tables of exactly the contexts in CONTEXTS.
__all__ = ["CONTEXTS", "metadata"]
