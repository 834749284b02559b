"""Turning stored media paths (``/media/…``) into absolute URLs clients can load."""

from __future__ import annotations

import re

_base_url = "http://127.0.0.1:8000"
_SIZED = re.compile(r"-(\d+)\.webp$")
# A path under /media/ made of plain segments: no "..", no "//", no query, nothing encoded.
_MEDIA_PATH = re.compile(r"^/media(?:/[A-Za-z0-9_\-][A-Za-z0-9_.\-]*)+$")


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


def own_media_path(url: str) -> str | None:
    """The stored path of one of our own media files — a `/media/…` path, or an absolute URL
    under the public base URL's `/media/` — else None: another host, a protocol-relative
    `//host/…`, or anything outside /media."""
    path = stored(url.strip())
    return path if _MEDIA_PATH.match(path) else None


def own_media(url: str) -> str:
    """The absolute URL of one of our own media files, or "" for anything else (so a foreign
    URL stored before it was refused is never handed to a client)."""
    path = own_media_path(url)
    return absolute(path) if path else ""
