"""Uploads are judged by their content, not their name or declared type; what is stored is our
own re-encoding (no metadata, no trailing payload) under a name made from the content; a
picture whose header claims too many pixels is refused before it is decoded; and the same
picture uploaded twice at once is stored once, for both."""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import struct
import zlib
from pathlib import Path

import httpx
from PIL import Image

from tests import factories
from xiaodian.context import AppContext
from xiaodian.media.service import store_image_sync

UPLOAD = "/api/admin/v1/media/images"


def _jpeg_with_gps_and_a_payload() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0)}  # GPS
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (30, 120, 200)).save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue() + b"<?php system($_GET['c']); ?>"


def _png_header(width: int, height: int) -> bytes:
    """A PNG that declares `width` x `height` pixels and carries almost no data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0"))


def _stored_files(media_dir: Path) -> list[Path]:
    return sorted(path for path in media_dir.rglob("*") if path.is_file())


async def test_the_content_decides_and_only_our_reencoding_is_stored(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    media_dir = context.settings.media_dir
    response = await client.post(
        UPLOAD,
        headers=admin,
        files={"file": ("../../../evil.php", _jpeg_with_gps_and_a_payload(), "application/x-php")},
    )
    assert response.status_code == 201, response.text
    url = response.json()["url"].removeprefix("http://testserver")
    assert url.startswith("/media/images/") and url.endswith(".webp")
    served = await client.get(url)
    assert served.headers["content-type"] == "image/webp"
    assert served.headers["x-content-type-options"] == "nosniff"
    stored = Image.open(io.BytesIO(served.content))
    assert stored.format == "WEBP" and "exif" not in stored.info
    digest = url.rsplit("/", 1)[1].split("-")[0]
    mine = [path for path in _stored_files(media_dir) if path.name.startswith(digest)]
    assert len(mine) == 4 and all(path.suffix == ".webp" for path in mine), mine
    for path in mine:
        content = path.read_bytes()
        assert b"php" not in content and b"SecretCam" not in content, path
    assert not [path for path in _stored_files(media_dir) if "evil" in path.name]
    assert not (media_dir.parent / "evil.php").exists()


async def test_formats_we_do_not_take_and_pixel_bombs_are_refused_before_decoding(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    tiff = io.BytesIO()
    Image.new("RGB", (8, 8)).save(tiff, "TIFF")
    for name, content in (("a.tif", tiff.getvalue()), ("bomb.png", _png_header(50_000, 50_000))):
        refused = await client.post(
            UPLOAD, headers=admin, files={"file": (name, content, "image/png")}
        )
        assert (refused.status_code, refused.json()["error"]) == (422, "invalid_image"), name
    bomb = await client.post(
        UPLOAD, headers=admin, files={"file": ("b.png", _png_header(8000, 6000), "image/png")}
    )
    assert "像素" in bomb.json()["message"]


async def test_a_review_photo_uploaded_eight_times_at_once_is_stored_once_for_all(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    shopper = await factories.shopper(client, context, "double-tapper")
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1200), (90, 160, 20)).save(buffer, "PNG")
    picture = buffer.getvalue()
    answers = await asyncio.gather(
        *(
            client.post(
                "/api/v1/media/images",
                headers=shopper,
                files={"file": ("p.png", picture, "image/png")},
            )
            for _ in range(8)
        )
    )
    assert [a.status_code for a in answers] == [201] * 8, [a.text[:120] for a in answers]
    assert len({a.json()["url"] for a in answers}) == 1
    leftovers = [p for p in _stored_files(context.settings.media_dir) if p.suffix == ".tmp"]
    assert leftovers == []


def test_writers_of_one_picture_in_threads_never_move_each_others_files(tmp_path: Path) -> None:
    """The race behind the test above, made likely: eight threads store one picture at once,
    five times over (before each writer had a temporary name of its own, every round failed
    with FileNotFoundError, a 500)."""
    failures: list[BaseException] = []
    for round_number in range(5):
        buffer = io.BytesIO()
        Image.new("RGB", (800, 600), (round_number, 3, 4)).save(buffer, "PNG")
        picture = buffer.getvalue()
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            stores = [pool.submit(store_image_sync, picture, tmp_path) for _ in range(8)]
        failures.extend(error for s in stores if (error := s.exception()) is not None)
    assert failures == []
    assert not list(tmp_path.rglob("*.tmp"))
