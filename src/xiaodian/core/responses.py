"""Responses built from bytes that are already JSON (cached answers skip re-serialising)."""

from __future__ import annotations

from starlette.responses import Response


class RawJSONResponse(Response):
    media_type = "application/json"
