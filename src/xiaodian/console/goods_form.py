"""The goods editor's form ⇄ `GoodsIn`: plain fields, ordered images, specs and the SKU matrix.

The browser (an Alpine component) posts one row per spec combination:
`specs.N.name`, `specs.N.values` (repeated), `skus.M.spec_values` (a JSON list),
`skus.M.price` (yuan), `skus.M.stock`, `skus.M.stock_was` (hidden: the stock shown when the
page opened, empty for a new row), `skus.M.code`, `skus.M.image_url` (hidden: the SKU's own
picture, a path of the shop's uploads, empty for none), `skus.M.market_price` (yuan, empty for
none), `skus.M.is_active`. The same shape, as
`EditorState`, seeds the component when the page opens or comes back with errors; `stock_was`
keeps what the page first showed, so a save changes stock by what the merchant typed, never
back to a number orders have since taken from. The 商品详情 block editor (another Alpine
component) posts its ordered text and image blocks as one JSON list, `description_blocks`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from starlette.datastructures import FormData

from xiaodian.catalog.schemas import AdminCategoryOut, AdminGoodsOut, GoodsIn
from xiaodian.console.forms import FieldErrors, checked, fen_field, text, validate
from xiaodian.console.rendering import media_path, yuan

EditorState = dict[str, Any]
PLAIN_FIELDS = ("category_id", "title", "subtitle", "unit", "sort_order")
_SPEC_NAME = re.compile(r"^specs\.(\d+)\.name$")
_SKU_PRICE = re.compile(r"^skus\.(\d+)\.price$")


def empty_state() -> tuple[dict[str, str], EditorState]:
    values = {"unit": "件", "sort_order": "0", "market_price": "", "is_on_shelf": ""}
    return values, {"specs": [], "skus": [], "images": [], "blocks": []}


def _editor_blocks(goods: AdminGoodsOut) -> list[dict[str, Any]]:
    """The blocks as the editor edits them: image paths as stored; a goods item entered before
    blocks existed starts with its plain description as one text block."""
    if not goods.description_blocks:
        return [{"type": "text", "text": goods.description}] if goods.description.strip() else []
    return [
        {**block, "url": media_path(block["url"])} if block["type"] == "image" else block
        for block in goods.description_blocks
    ]


def _posted_blocks(form: FormData, errors: FieldErrors) -> list[Any]:
    raw = text(form, "description_blocks")
    try:
        blocks = json.loads(raw) if raw else []
    except ValueError:
        blocks = None
    if not isinstance(blocks, list):
        errors.setdefault("description_blocks", "商品详情没有提交完整，请刷新页面后重试")
        return []
    return blocks


def state_of(
    goods: AdminGoodsOut, *, waiting: Mapping[int, int] | None = None
) -> tuple[dict[str, str], EditorState]:
    """What the editor shows for an existing goods item (prices back in yuan), with the
    shoppers `waiting` (by SKU id) for a sold-out SKU to come back."""
    waiting = waiting or {}
    values = {field: str(getattr(goods, field)) for field in PLAIN_FIELDS}
    values["market_price"] = yuan(goods.market_price_fen) if goods.market_price_fen else ""
    values["is_on_shelf"] = "on" if goods.is_on_shelf else ""
    state: EditorState = {
        "specs": [{"name": spec.name, "values": list(spec.values)} for spec in goods.specs],
        "skus": [
            {
                "spec_values": list(sku.spec_values),
                "price": yuan(sku.price_fen),
                "stock": str(sku.stock),
                "stock_was": str(sku.stock),
                "code": sku.code,
                "image_url": media_path(sku.image_url) if sku.image_url else "",
                "market_price": yuan(sku.market_price_fen) if sku.market_price_fen else "",
                "is_active": sku.is_active,
                "waiting": waiting.get(sku.id, 0),
            }
            for sku in goods.skus
        ],
        "images": [media_path(url) for url in goods.images],
        "blocks": _editor_blocks(goods),
    }
    return values, state


def _indexes(form: FormData, pattern: re.Pattern[str]) -> list[int]:
    return sorted({int(m.group(1)) for key in form for m in [pattern.match(key)] if m})


def _specs(form: FormData, errors: FieldErrors) -> list[dict[str, Any]]:
    specs: list[dict[str, Any]] = []
    for position, index in enumerate(_indexes(form, _SPEC_NAME)):
        name = text(form, f"specs.{index}.name")
        values = [
            value.strip()
            for value in form.getlist(f"specs.{index}.values")
            if isinstance(value, str) and value.strip()
        ]
        if not name:
            errors.setdefault(f"specs.{position}.name", "请填写规格名，如 颜色、重量")
        elif name in (spec["name"] for spec in specs):
            errors.setdefault(f"specs.{position}.name", "规格名不能重复")
        if not values:
            errors.setdefault(f"specs.{position}.values", "至少添加一个规格值")
        elif len(set(values)) != len(values):
            errors.setdefault(f"specs.{position}.values", "规格值不能重复")
        specs.append({"name": name, "values": values})
    return specs


def _spec_values(raw: str) -> list[str]:
    try:
        parsed = json.loads(raw) if raw else []
    except ValueError:
        return []
    return [str(value) for value in parsed] if isinstance(parsed, list) else []


def _skus(form: FormData, errors: FieldErrors) -> tuple[list[dict[str, Any]], list[Any]]:
    """(rows as typed, for the editor; rows for the schema)."""
    typed: list[dict[str, Any]] = []
    parsed: list[Any] = []
    for position, index in enumerate(_indexes(form, _SKU_PRICE)):
        key = f"skus.{index}"
        row_errors: FieldErrors = {}
        price_fen = fen_field(form, f"{key}.price", row_errors)
        market_price_fen = fen_field(form, f"{key}.market_price", row_errors, required=False)
        for field, message in row_errors.items():
            errors.setdefault(field.replace(f"skus.{index}.", f"skus.{position}."), message)
        row = {
            "spec_values": _spec_values(text(form, f"{key}.spec_values")),
            "price": text(form, f"{key}.price"),
            "stock": text(form, f"{key}.stock") or "0",
            "stock_was": text(form, f"{key}.stock_was"),
            "code": text(form, f"{key}.code"),
            "image_url": text(form, f"{key}.image_url"),
            "market_price": text(form, f"{key}.market_price"),
            "is_active": checked(form, f"{key}.is_active"),
        }
        typed.append(row)
        parsed.append(
            {
                "spec_values": row["spec_values"],
                "price_fen": price_fen,
                "stock": row["stock"],
                "stock_was": row["stock_was"] or None,
                "code": row["code"],
                "image_url": row["image_url"],
                "market_price_fen": market_price_fen or 0,
                "is_active": row["is_active"],
            }
        )
    return typed, parsed


def parse_goods_form(
    form: FormData,
) -> tuple[GoodsIn | None, FieldErrors, dict[str, str], EditorState]:
    """The form as a `GoodsIn`, or the errors to show next to each field (in Chinese)."""
    errors: FieldErrors = {}
    values = {field: text(form, field) for field in PLAIN_FIELDS}
    values["market_price"] = text(form, "market_price")
    values["is_on_shelf"] = "on" if checked(form, "is_on_shelf") else ""
    market_price_fen = fen_field(form, "market_price", errors, required=False)
    images = [url for url in form.getlist("images") if isinstance(url, str) and url.strip()]
    specs = _specs(form, errors)
    typed_skus, skus = _skus(form, errors)
    if not skus:
        errors.setdefault("skus", "请至少填写一个规格的价格和库存")
    blocks = _posted_blocks(form, errors)
    state: EditorState = {"specs": specs, "skus": typed_skus, "images": images, "blocks": blocks}
    data = {
        **{field: values[field] for field in PLAIN_FIELDS if values[field] != ""},
        "market_price_fen": market_price_fen or 0,
        "is_on_shelf": bool(values["is_on_shelf"]),
        "images": images,
        "description_blocks": blocks,
        "specs": specs,
        "skus": skus,
    }
    goods, schema_errors = validate(GoodsIn, data)
    for field, message in schema_errors.items():
        errors.setdefault(field, message)
    for field, message in list(errors.items()):
        if _SKU_PRICE.match(field) and message.startswith("不能小于"):
            errors[field] = "价格至少 0.01 元"
        elif _SKU_PRICE.match(field) and message.startswith("不能大于"):
            errors[field] = "价格不能超过 100 万元"
    if "category_id" in errors:
        errors["category_id"] = "请选择分类"
    if "images" in errors:
        errors["images"] = "最多 9 张图片" if len(images) > 9 else errors["images"]
    return (goods if not errors else None), errors, values, state


def category_options(tree: list[AdminCategoryOut]) -> list[tuple[int, str]]:
    """(id, label) for a <select>: each top-level category followed by its children."""
    options: list[tuple[int, str]] = []
    for parent in tree:
        options.append((parent.id, parent.name))
        options.extend((child.id, f"{parent.name} / {child.name}") for child in parent.children)
    return options
