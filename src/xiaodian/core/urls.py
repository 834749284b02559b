"""Turning stored media paths (``/media/…``) into absolute URLs clients can load."""

from __future__ import annotations

import re

_base_url = "http://127.0.0.1:8000"
_SIZED = re.compile(r"-(\d+)\.webp$")


def configure(base_url: str) -> None:
    """Set once at start-up from `Settings.public_base_url`."""
    global _base_url
    _base_url = base_url.rstrip("/")


def absolute(url: str) -> str:
    """An absolute URL for a stored path; external URLs pass through unchanged."""
    if not url or url.startswith(("http://", "https://")):
        return url
    return f"{_base_url}{url}" if url.startswith("/") else f"{_base_url}/{url}"


def sized(url: str, width: int) -> str:
    """The `width`-pixel variant of one of our WebP images (others are returned as they are)."""
    return absolute(_SIZED.sub(f"-{width}.webp", url))


def stored(url: str) -> str:
    """What to keep in the database: our own media as a path (so a new domain does not break
    old pictures), anything else as given."""
    base = _base_url + "/"
    return "/" + url[len(base) :] if url.startswith(base) else url
