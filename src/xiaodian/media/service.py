"""Uploaded images: checked, re-encoded to WebP in a few widths, named by their content."""

from __future__ import annotations

import asyncio
import hashlib
import io
import secrets
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from xiaodian.core.errors import ShopError
from xiaodian.media.schemas import ImageOut

WIDTHS = (1080, 800, 480, 240)
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP"}


class InvalidImage(ShopError):
    status_code = 422
    code = "invalid_image"
    default_message = "请上传 JPG、PNG、WebP 或 GIF 图片"


class ImageTooLarge(ShopError):
    status_code = 413
    code = "image_too_large"
    default_message = "图片不能超过 10 MB"


def _encode_variants(data: bytes) -> dict[int, bytes]:
    try:
        # Only our formats' decoders ever see the bytes (not every format Pillow can read).
        with Image.open(io.BytesIO(data), formats=sorted(ACCEPTED_FORMATS)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise InvalidImage()
            if probe.width * probe.height > MAX_PIXELS:
                raise InvalidImage("图片像素太多，请压缩后再上传")
            probe.load()
            image = ImageOps.exif_transpose(probe)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise InvalidImage() from error
    image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
    variants: dict[int, bytes] = {}
    for width in WIDTHS:
        copy = image.copy()
        if copy.width > width:
            copy = copy.resize(
                (width, max(1, round(copy.height * width / copy.width))), Image.Resampling.LANCZOS
            )
        buffer = io.BytesIO()
        copy.save(buffer, "WEBP", quality=82, method=4)
        variants[width] = buffer.getvalue()
    return variants


def store_image_sync(data: bytes, media_dir: Path) -> ImageOut:
    """Write the variants (once per distinct upload) and return their URLs."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageTooLarge()
    if not data:
        raise InvalidImage("图片是空的")
    digest = hashlib.sha256(data).hexdigest()[:32]
    folder = media_dir / "images" / digest[:2]
    folder.mkdir(parents=True, exist_ok=True)
    paths = {width: folder / f"{digest}-{width}.webp" for width in WIDTHS}
    if not all(path.exists() for path in paths.values()):
        for width, content in _encode_variants(data).items():
            # A name of its own per writer: the same picture uploaded twice at once (a double
            # tap) must not have one writer move the other's half-written file away.
            temporary = paths[width].with_name(f"{paths[width].name}.{secrets.token_hex(8)}.tmp")
            temporary.write_bytes(content)
            temporary.replace(paths[width])
    prefix = f"/media/images/{digest[:2]}/{digest}"
    return ImageOut(
        url=f"{prefix}-{WIDTHS[1]}.webp",
        sizes={str(width): f"{prefix}-{width}.webp" for width in WIDTHS},
    )


async def store_image(data: bytes, media_dir: Path) -> ImageOut:
    return await asyncio.to_thread(store_image_sync, data, media_dir)
