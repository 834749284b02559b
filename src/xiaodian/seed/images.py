"""Pictures for the demo shop, drawn with Pillow so the repository carries no photos."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

_CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@cache
def _font(size: int, cjk: bool) -> tuple[Font, bool]:
    if cjk:
        for path in _CJK_FONTS:
            if Path(path).exists():
                return ImageFont.truetype(path, size), True
    return ImageFont.load_default(size=size), False


def _mix(color: tuple[int, ...], other: tuple[int, ...], t: float) -> tuple[int, ...]:
    return tuple(round(a + (b - a) * t) for a, b in zip(color, other, strict=True))


def _background(size: tuple[int, int], color: tuple[int, int, int]) -> Image.Image:
    width, height = size
    top = _mix(color, (255, 255, 255), 0.82)
    bottom = _mix(color, (255, 255, 255), 0.55)
    image = Image.new("RGB", size, top)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        draw.line([(0, y), (width, y)], fill=_mix(top, bottom, y / height))
    return image


def _product(
    draw: ImageDraw.ImageDraw,
    shape: str,
    box: tuple[int, int, int, int],
    color: tuple[int, int, int],
    variant: int,
) -> None:
    x0, y0, x1, y1 = box
    dark = _mix(color, (0, 0, 0), 0.25)
    light = _mix(color, (255, 255, 255), 0.45)
    if shape == "round":
        draw.ellipse(box, fill=color)
        draw.ellipse((x0 + 60, y0 + 50, x0 + 170, y0 + 140), fill=light)
        draw.rectangle(
            ((x0 + x1) // 2 - 8, y0 - 50, (x0 + x1) // 2 + 8, y0 + 10), fill=(110, 80, 40)
        )
        draw.ellipse(
            ((x0 + x1) // 2 + 5, y0 - 60, (x0 + x1) // 2 + 95, y0 - 10), fill=(88, 178, 96)
        )
    elif shape == "leaf":
        draw.ellipse((x0, y0 + 40, x1, y1 - 40), fill=color)
        draw.line((x0 + 30, (y0 + y1) // 2, x1 - 30, (y0 + y1) // 2), fill=light, width=10)
    elif shape == "bottle":
        neck = (x0 + x1) // 2
        draw.rounded_rectangle((x0 + 50, y0 + 90, x1 - 50, y1), radius=50, fill=color)
        draw.rectangle((neck - 45, y0, neck + 45, y0 + 110), fill=dark)
        draw.rounded_rectangle((x0 + 80, y0 + 200, x1 - 80, y0 + 300), radius=20, fill=light)
    elif shape == "slab":
        draw.rounded_rectangle(box, radius=70, fill=color)
        for offset in range(3):
            y = y0 + 90 + offset * 80
            draw.line((x0 + 40, y, x1 - 40, y + 30), fill=light, width=14)
    elif shape == "bag":
        draw.polygon([(x0 + 40, y0 + 60), (x1 - 40, y0 + 60), (x1, y1), (x0, y1)], fill=color)
        draw.rectangle((x0 + 40, y0, x1 - 40, y0 + 70), fill=dark)
    else:
        draw.rounded_rectangle(box, radius=30, fill=color)
        draw.rectangle((x0, y0 + 110, x1, y0 + 150), fill=dark)
    if variant:
        draw.ellipse((x1 - 90, y1 - 90, x1 + 10, y1 + 10), fill=(255, 214, 102))


def goods_picture(
    *, title: str, label: str, color: tuple[int, int, int], shape: str, variant: int = 0
) -> bytes:
    """An 800×800 PNG: a drawn product on a soft gradient with its name underneath."""
    image = _background((800, 800), color)
    shadow = Image.new("L", (800, 800), 0)
    ImageDraw.Draw(shadow).ellipse((230, 600, 570, 660), fill=90)
    image.paste((0, 0, 0), mask=shadow.filter(ImageFilter.GaussianBlur(18)))
    draw = ImageDraw.Draw(image)
    _product(draw, shape, (230, 180, 570, 620), color, variant)
    font, has_cjk = _font(64, cjk=True)
    text = title if has_cjk else label
    if not has_cjk:
        font, _ = _font(72, cjk=False)
    width = draw.textlength(text, font=font)
    draw.text(((800 - width) / 2, 680), text, font=font, fill=_mix(color, (0, 0, 0), 0.45))
    return _png(image)


def banner_picture(*, title: str, label: str, color: tuple[int, int, int]) -> bytes:
    """A 750×300 banner (the width a phone screen is designed at)."""
    image = _background((750, 300), color)
    draw = ImageDraw.Draw(image)
    draw.ellipse((520, -60, 860, 280), fill=_mix(color, (255, 255, 255), 0.25))
    draw.ellipse((600, 150, 760, 310), fill=color)
    font, has_cjk = _font(44, cjk=True)
    text = title if has_cjk else label
    if not has_cjk:
        font, _ = _font(48, cjk=False)
    draw.text((40, 120), text, font=font, fill=_mix(color, (0, 0, 0), 0.5))
    return _png(image)


def avatar_picture(*, initial: str, color: tuple[int, int, int]) -> bytes:
    image = Image.new("RGB", (240, 240), color)
    draw = ImageDraw.Draw(image)
    font, _ = _font(120, cjk=False)
    width = draw.textlength(initial, font=font)
    draw.text(((240 - width) / 2, 45), initial, font=font, fill=(255, 255, 255))
    return _png(image)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=False, compress_level=1)
    return buffer.getvalue()
