"""Reading the small JSON bodies the page posts (card events, ratings): size-capped before parsing, one JSON object,
only known fields, the required ones present, each a plain value (text, number, true/false or null; valid Unicode);
anything else, nesting too deep to parse included, is a clear 4xx, never a 500."""

from __future__ import annotations

import json
from typing import Any, Dict, Iterable

from aiohttp import web


SCALARS = (str, int, float, bool, type(None))


class BadBody(Exception):
    """The body was refused; `status` (400 or 413) and the message go back to the page as JSON."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def json_object(request: web.Request, max_bytes: int, what: str, fields: Iterable[str],
                      required: Iterable[str]) -> Dict[str, Any]:
    """The body as a dict of known fields (any content type: navigator.sendBeacon sends text/plain)."""
    too_big = BadBody(413, f"{what} is at most {max_bytes} bytes")
    if request.content_length is not None and request.content_length > max_bytes:
        raise too_big
    body = await request.content.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise too_big
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: arrays nested ~1000 deep
        raise BadBody(400, "the body must be a JSON object") from None
    if not isinstance(value, dict):
        raise BadBody(400, "the body must be a JSON object")
    fields = set(fields)
    unknown = sorted(set(value) - fields)
    if unknown:
        raise BadBody(400, f"unknown field {unknown[0][:40]!r}; fields are {', '.join(sorted(fields))}")
    missing = sorted(set(required) - set(value))
    if missing:
        raise BadBody(400, f"missing field {missing[0]!r}")
    for name, field in value.items():
        if not isinstance(field, SCALARS):
            raise BadBody(400, f"{name} must be a single value, not a list or an object")
        if isinstance(field, str) and not _is_unicode(field):
            raise BadBody(400, f"{name} is not valid text")
    return value


def _is_unicode(text: str) -> bool:
    """False for a string holding a lone surrogate (JSON "\\ud800"), which can be neither stored nor sent on."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
