"""Optimistic locking over HTTP: an aggregate's version is its ETag, and a client's If-Match names
the version a change was asked of (RFC 9110, section 13.1.1)."""

import re
from typing import Annotated, Any

from fastapi import Depends, Header

from ..shared_kernel.errors import StaleVersionError

# A strong entity tag as this API sends it: the version in quotes.
_ENTITY_TAG = re.compile(r'"(\d+)"')

# How routes document the ETag they send, in `responses`.
ETAG_RESPONSE_HEADER: dict[str, Any] = {
    "ETag": {
        "description": "The version of what was returned; send it back as If-Match to change it.",
        "schema": {"type": "string"},
    }
}


def entity_tag(version: int) -> str:
    return f'"{version}"'


def expected_version(
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description="The ETag this change is asked of, or * for any version. Without it, "
            "the change applies to the current version.",
        ),
    ] = None,
) -> int | None:
    """The version If-Match names; None when it is absent or `*`, so any version will do."""
    if if_match is None or if_match.strip() == "*":
        return None
    found = _ENTITY_TAG.fullmatch(if_match.strip())
    if found is None:
        # A weak, foreign or listed tag never matches the one version an aggregate is at.
        msg = 'If-Match takes the one ETag this API sent (a quoted version, like "3"), or *.'
        raise StaleVersionError(msg)
    return int(found.group(1))


ExpectedVersion = Annotated[int | None, Depends(expected_version)]
