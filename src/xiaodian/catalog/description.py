"""The goods' rich description: ordered blocks of text paragraphs and images.

Stored on `goods.description_blocks` as `[{"type": "text", "text": …}, {"type": "image",
"url": "/media/…", "width": w, "height": h}]` (width and height in pixels, 0 when unknown).
Only our own uploads may be shown (`media.errors.own_image_path`); clients render the blocks as
native nodes, never as HTML. A goods item without blocks shows its plain `description` as one
text block, so every goods item entered before blocks existed keeps its text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xiaodian.catalog.errors import InvalidDescriptionBlock, TooManyDescriptionBlocks
from xiaodian.core import urls
from xiaodian.media.errors import own_image_path

MAX_BLOCKS = 50
MAX_TEXT_CHARS = 2000
MAX_IMAGE_SIDE = 20_000

Block = dict[str, Any]


def _dimension(block: dict[str, Any], name: str, *, field: str, number: int) -> int:
    value = block.get(name, 0)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_IMAGE_SIDE:
        raise InvalidDescriptionBlock(f"第 {number} 段图片的尺寸有误", field=f"{field}.{name}")
    return value


def _checked(position: int, block: object) -> Block:
    field = f"description_blocks.{position}"
    number = position + 1
    if not isinstance(block, dict):
        raise InvalidDescriptionBlock(f"第 {number} 段内容有误：须是文字或图片", field=field)
    kind = block.get("type")
    if kind == "text":
        text = block.get("text")
        if not isinstance(text, str) or "\x00" in text:
            raise InvalidDescriptionBlock(f"第 {number} 段文字有误", field=f"{field}.text")
        text = text.strip()
        if not text:
            raise InvalidDescriptionBlock(
                f"第 {number} 段文字是空的：请填写或删除这一段", field=f"{field}.text"
            )
        if len(text) > MAX_TEXT_CHARS:
            raise InvalidDescriptionBlock(
                f"第 {number} 段文字超过 {MAX_TEXT_CHARS} 字：请分成几段",
                field=f"{field}.text",
            )
        return {"type": "text", "text": text}
    if kind == "image":
        url = block.get("url")
        if not isinstance(url, str):
            raise InvalidDescriptionBlock(f"第 {number} 段缺少图片", field=f"{field}.url")
        return {
            "type": "image",
            "url": own_image_path(url, field=f"{field}.url"),
            "width": _dimension(block, "width", field=field, number=number),
            "height": _dimension(block, "height", field=field, number=number),
        }
    raise InvalidDescriptionBlock(
        f"第 {number} 段的类型有误：只能是文字（text）或图片（image）", field=f"{field}.type"
    )


def checked_blocks(blocks: Sequence[object]) -> list[Block]:
    """The blocks as they are stored, or InvalidDescriptionBlock / TooManyDescriptionBlocks
    (422) naming the first block that is wrong: a type other than text or image, empty text or
    more than 2000 characters, an image that is not one of this shop's uploads."""
    if len(blocks) > MAX_BLOCKS:
        raise TooManyDescriptionBlocks(field="description_blocks", count=len(blocks))
    return [_checked(position, block) for position, block in enumerate(blocks)]


def plain_text(blocks: Sequence[Block]) -> str:
    """The text blocks as one plain description (for search, exports and older clients)."""
    return "\n\n".join(block["text"] for block in blocks if block["type"] == "text")


def blocks_out(
    stored: Sequence[Block] | None, *, description: str, image_width: int
) -> list[Block]:
    """What a client shows: the stored blocks with absolute image URLs of `image_width`
    (an image no longer our own is left out), or the plain description as one text block."""
    if not stored:
        return [{"type": "text", "text": description}] if description.strip() else []
    shown: list[Block] = []
    for block in stored:
        if block.get("type") == "text":
            shown.append({"type": "text", "text": block["text"]})
        elif block.get("type") == "image" and urls.own_media(block.get("url", "")):
            shown.append(
                {
                    "type": "image",
                    "url": urls.sized(block["url"], image_width),
                    "width": block.get("width", 0),
                    "height": block.get("height", 0),
                }
            )
    return shown


def stored_blocks(stored: Sequence[Block] | None) -> list[Block]:
    """The merchant's blocks as entered (absolute image URLs), [] when there are none."""
    return [
        {**block, "url": urls.absolute(block["url"])}
        if block.get("type") == "image"
        else dict(block)
        for block in stored or []
    ]
