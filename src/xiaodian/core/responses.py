"""Responses built from bytes that are already JSON (cached answers skip re-serialising),
and CSV downloads."""

from __future__ import annotations

from starlette.responses import Response


class RawJSONResponse(Response):
    media_type = "application/json"


class CSVResponse(Response):
    """A CSV download: declared as `text/csv` in the OpenAPI (not JSON, which it is not)."""

    media_type = "text/csv"
