"""Goods from a CSV file with the columns of the goods export (`export.HEADER`): a preview of
what each line creates or changes (old → new) with an error per line, then the whole file
applied in one transaction, or none of it.

A line names its goods by 商品ID, or (left empty) by 商品名称: a title no goods has yet makes a
new goods item of all the lines with that title; a title that one goods item has updates it, so
applying the same file twice changes nothing the second time. Within a goods item a line names
its SKU by SKU ID or by 规格 (the export's "红 / 大"). New SKUs of existing goods, and renamed
spec values, belong to the goods editor. Prices are yuan with at most two decimals; 划线价 must
be 0 or at least the highest price of the SKUs on sale. Stock is applied as the difference from
what the goods had when the file was checked, so units sold meanwhile stay sold. 销量 is only
read by people.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.auth.permissions import Permission, require
from xiaodian.catalog import admin_service as service
from xiaodian.catalog.errors import GoodsImportInvalid, MarketPriceTooLow
from xiaodian.catalog.export import HEADER
from xiaodian.catalog.schemas import AdminGoodsOut, GoodsIn
from xiaodian.core.errors import ShopError
from xiaodian.core.money import format_yuan, parse_yuan
from xiaodian.core.nearcache import NearCache
from xiaodian.models import AdminUser, Category, Goods
from xiaodian.oplog import service as oplog
from xiaodian.oplog.service import Origin
from xiaodian.oplog.vocabulary import Action

MAX_LINES = 500
MAX_BYTES = 60 * 1024  # under the default request body limit (64 KiB)
OPTIONAL = ("销量", "规格在售", "上架")
REQUIRED = tuple(name for name in HEADER if name not in OPTIONAL)
YES, NO = "是", "否"
SPEC_SEPARATOR = " / "
MAX_STOCK = 10_000_000


@dataclass
class ImportLine:
    line_no: int
    goods_id: int | None = None
    title: str = ""
    category: str = ""
    spec_text: str = ""
    sku_id: int | None = None
    code: str = ""
    price_fen: int = 0
    market_price_fen: int = 0
    stock: int = 0
    is_active: bool = True
    on_shelf: bool = False
    action: str = ""
    """create | update | same (empty while the line has an error)."""
    changes: list[str] = field(default_factory=list)
    error: str = ""


@dataclass
class _Work:
    """What applying the file does: goods to create, goods to replace (with what they were)."""

    creates: list[GoodsIn] = field(default_factory=list)
    updates: list[tuple[AdminGoodsOut, GoodsIn]] = field(default_factory=list)
    touches_prices_or_stock: bool = False


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise GoodsImportInvalid("文件编码无法识别，请另存为 UTF-8 或 GBK 编码的 CSV")


def _unguard(text: str) -> str:
    """The export writes a ' before =, +, - and @ (so Excel runs no formula); take it off."""
    return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@") else text


def _yuan(text: str, name: str) -> int:
    if text.startswith("-"):
        raise ValueError(f"{name}不能为负数")
    try:
        return parse_yuan(text)
    except ValueError:
        raise ValueError(f"{name}「{text}」应为元，最多两位小数，如 25.80") from None


def _flag(text: str, name: str) -> bool:
    if text not in (YES, NO):
        raise ValueError(f"{name}应填「是」或「否」")
    return text == YES


def _optional_id(text: str, name: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or not 0 < int(text) < 2**31:
        raise ValueError(f"{name}「{text}」不是有效的编号")
    return int(text)


def _line(number: int, cells: dict[str, str]) -> ImportLine:
    line = ImportLine(number)
    try:
        line.goods_id = _optional_id(cells["商品ID"], "商品ID")
        line.sku_id = _optional_id(cells["SKU ID"], "SKU ID")
        line.title = cells["商品名称"]
        if not line.title:
            raise ValueError("缺少商品名称")
        line.category = cells["分类"]
        spec = cells["规格"]
        line.spec_text = SPEC_SEPARATOR.join(v.strip() for v in spec.split("/")) if spec else ""
        line.code = cells["SKU 编码"]
        line.price_fen = _yuan(cells["价格"], "价格")
        if line.price_fen < 1:
            raise ValueError("价格至少 0.01 元")
        line.market_price_fen = _yuan(cells["划线价"] or "0", "划线价")
        stock = cells["库存"]
        if not stock.isdigit() or int(stock) > MAX_STOCK:
            raise ValueError(f"库存「{stock}」应为 0 到 {MAX_STOCK} 的整数")
        line.stock = int(stock)
        line.is_active = _flag(cells.get("规格在售") or YES, "规格在售")
        line.on_shelf = _flag(cells.get("上架") or NO, "上架")
    except ValueError as error:
        line.error = str(error)
    return line


def parse(text: str) -> list[ImportLine]:
    """The file's lines (each with its own parse error, if any). The first row must be the
    export's header; columns are found by their names, so their order does not matter."""
    if len(text.encode()) > MAX_BYTES:
        raise GoodsImportInvalid(f"文件太大（最多 {MAX_BYTES // 1024} KB）")
    columns: list[str] | None = None
    lines: list[ImportLine] = []
    for number, raw in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), start=1):
        cells = [_unguard(cell.strip()) for cell in raw]
        if not any(cells):
            continue
        if columns is None:
            missing = [name for name in REQUIRED if name not in cells]
            if missing:
                raise GoodsImportInvalid(
                    f"第 {number} 行应为表头（与导出的 CSV 相同），缺少：{'、'.join(missing)}"
                )
            columns = cells
            continue
        named = dict(zip(columns, cells + [""] * (len(columns) - len(cells)), strict=False))
        lines.append(_line(number, named))
        if len(lines) > MAX_LINES:
            raise GoodsImportInvalid(f"一次最多导入 {MAX_LINES} 行")
    if not lines:
        raise GoodsImportInvalid("文件里没有商品行（第一行为表头，与导出的 CSV 相同）")
    return lines


def _fail(lines: Iterable[ImportLine], message: str) -> None:
    for line in lines:
        if not line.error:
            line.error = message


def _agree(group: list[ImportLine]) -> bool:
    """The goods-level columns of one goods item's lines must agree."""
    first = group[0]
    for line in group[1:]:
        same = (line.title, line.category, line.market_price_fen, line.on_shelf) == (
            first.title,
            first.category,
            first.market_price_fen,
            first.on_shelf,
        )
        if not same:
            _fail([line], f"商品名称、分类、划线价或上架与第 {first.line_no} 行的同一商品不一致")
    return not any(line.error for line in group)


def _change(changes: list[str], name: str, old: Any, new: Any) -> None:
    if old != new:
        shown = ["（空）" if value == "" else str(value) for value in (old, new)]
        changes.append(f"{name} {shown[0]} → {shown[1]}")


def _market_price_ok(group: list[ImportLine], market_fen: int, skus: Iterable[Any]) -> bool:
    try:
        service.check_market_price(
            market_fen, service.highest_price_fen((s.price_fen, s.is_active) for s in skus)
        )
    except MarketPriceTooLow as error:
        _fail(group[:1], error.message)
        return False
    return True


def _validated(group: list[ImportLine], data: dict[str, Any]) -> GoodsIn | None:
    try:
        return GoodsIn.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        _fail(group[:1], f"商品数据有误（{where}）：{first['msg']}")
        return None


def _category_id(line: ImportLine, categories: dict[str, list[int]]) -> int | None:
    found = categories.get(line.category, [])
    if len(found) != 1:
        line.error = (
            f"分类「{line.category}」不存在，请先在分类管理中新建"
            if not found
            else f"有多个分类叫「{line.category}」，请先改名"
        )
        return None
    return found[0]


def _plan_new(group: list[ImportLine], categories: dict[str, list[int]], work: _Work) -> None:
    first = group[0]
    _fail([line for line in group if line.sku_id is not None], "新商品的 SKU ID 应留空")
    category_id = _category_id(first, categories)
    if category_id is None or not _agree(group) or any(line.error for line in group):
        return
    parts = [line.spec_text.split(SPEC_SEPARATOR) if line.spec_text else [] for line in group]
    width = len(parts[0])
    if len(group) > 1 and width == 0:
        _fail(group, "同一新商品有多行时，每行都要填规格（如「红 / 大」）")
        return
    if any(len(values) != width for values in parts) or width > 3:
        _fail(group, "同一商品每行的规格段数应相同（最多 3 段，用 / 分隔）")
        return
    names = ["规格"] if width == 1 else [f"规格{n + 1}" for n in range(width)]
    specs = [
        {"name": names[n], "values": list(dict.fromkeys(values[n] for values in parts))}
        for n in range(width)
    ]
    skus = [
        {
            "spec_values": values,
            "price_fen": line.price_fen,
            "stock": line.stock,
            "code": line.code,
            "is_active": line.is_active,
        }
        for line, values in zip(group, parts, strict=True)
    ]
    data = _validated(
        group,
        {
            "category_id": category_id,
            "title": first.title,
            "market_price_fen": first.market_price_fen,
            "is_on_shelf": first.on_shelf,
            "specs": specs,
            "skus": skus,
        },
    )
    if data is None or not _market_price_ok(group, first.market_price_fen, data.skus):
        return
    for line in group:
        line.action = "create"
        line.changes = [f"新建：价格 {format_yuan(line.price_fen)}，库存 {line.stock}"]
    work.creates.append(data)
    work.touches_prices_or_stock = True


def _plan_existing(
    group: list[ImportLine],
    before: AdminGoodsOut,
    categories: dict[str, list[int]],
    work: _Work,
) -> None:
    first = group[0]
    if not _agree(group):
        return
    category_id = (
        before.category_id
        if first.category == before.category_name
        else _category_id(first, categories)
    )
    by_id = {sku.id: sku for sku in before.skus}
    by_spec = {SPEC_SEPARATOR.join(sku.spec_values): sku for sku in before.skus}
    chosen: dict[int, ImportLine] = {}
    for line in group:
        sku = by_id.get(line.sku_id) if line.sku_id else by_spec.get(line.spec_text)
        if sku is None:
            line.error = (
                f"SKU {line.sku_id} 不属于商品 {before.id}"
                if line.sku_id
                else f"商品没有规格「{line.spec_text}」；新增规格请在商品编辑页操作"
            )
        elif line.spec_text and line.spec_text != SPEC_SEPARATOR.join(sku.spec_values):
            line.error = "规格名称不能在导入时修改，请在商品编辑页操作"
        elif sku.id in chosen:
            line.error = f"与第 {chosen[sku.id].line_no} 行是同一个规格"
        else:
            chosen[sku.id] = line
    for sku_id, line in chosen.items():
        own = by_id[sku_id].market_price_fen  # the file has no column for a SKU's 划线价
        if own and line.price_fen > own:
            line.error = (
                f"价格 ¥{format_yuan(line.price_fen)} 高于该规格的划线价 ¥{format_yuan(own)}："
                "请先在商品编辑页改规格划线价"
            )
    if category_id is None or any(line.error for line in group):
        return
    allowed = [set(spec.values) for spec in before.specs]
    skus: list[dict[str, Any]] = []
    for sku in before.skus:
        edit = chosen.get(sku.id)
        fits = len(sku.spec_values) == len(allowed) and all(
            value in values for value, values in zip(sku.spec_values, allowed, strict=True)
        )
        if edit is None and not fits:
            continue  # an old combination of a removed spec value: stays as it is
        skus.append(
            {
                "spec_values": sku.spec_values,
                "price_fen": edit.price_fen if edit else sku.price_fen,
                "stock": edit.stock if edit else sku.stock,
                "stock_was": sku.stock,
                "code": edit.code if edit else sku.code,
                "image_url": sku.image_url,
                "market_price_fen": sku.market_price_fen,
                "is_active": edit.is_active if edit else sku.is_active,
                "weight_g": sku.weight_g,
            }
        )
        if edit is not None:
            _change(edit.changes, "价格", format_yuan(sku.price_fen), format_yuan(edit.price_fen))
            _change(edit.changes, "库存", sku.stock, edit.stock)
            _change(edit.changes, "SKU 编码", sku.code, edit.code)
            active = {True: YES, False: NO}
            _change(edit.changes, "规格在售", active[sku.is_active], active[edit.is_active])
            if (edit.price_fen, edit.stock) != (sku.price_fen, sku.stock):
                work.touches_prices_or_stock = True
    goods_changes: list[str] = []
    _change(goods_changes, "商品名称", before.title, first.title)
    _change(goods_changes, "分类", before.category_name, first.category)
    _change(
        goods_changes,
        "划线价",
        format_yuan(before.market_price_fen),
        format_yuan(first.market_price_fen),
    )
    shelf = {True: YES, False: NO}
    _change(goods_changes, "上架", shelf[before.is_on_shelf], shelf[first.on_shelf])
    first.changes = goods_changes + first.changes
    data = _validated(
        group,
        {
            "category_id": category_id,
            "title": first.title,
            "subtitle": before.subtitle,
            "unit": before.unit,
            "description": before.description,
            "market_price_fen": first.market_price_fen,
            "is_on_shelf": first.on_shelf,
            "sort_order": before.sort_order,
            "images": before.images,
            "specs": [spec.model_dump() for spec in before.specs],
            "skus": skus,
        },
    )
    if data is None or not _market_price_ok(group, first.market_price_fen, data.skus):
        return
    if first.market_price_fen != before.market_price_fen:
        work.touches_prices_or_stock = True
    for line in group:
        line.action = "update" if line.changes else "same"
    if any(line.changes for line in group):
        work.updates.append((before, data))


async def check(session: AsyncSession, lines: list[ImportLine]) -> _Work:
    """Fill each line's action, changes and error; what applying would do."""
    categories: dict[str, list[int]] = {}
    for category_id, name in await session.execute(select(Category.id, Category.name)):
        categories.setdefault(name, []).append(category_id)
    titles = {line.title for line in lines if line.goods_id is None and not line.error}
    by_title: dict[str, list[int]] = {}
    if titles:
        rows = await session.execute(
            select(Goods.id, Goods.title).where(Goods.title.in_(titles), Goods.deleted_at.is_(None))
        )
        for goods_id, title in rows:
            by_title.setdefault(title, []).append(goods_id)
    new: dict[str, list[ImportLine]] = {}
    existing: dict[int, list[ImportLine]] = {}
    for line in lines:
        if line.error:
            continue
        if line.goods_id is None and len(by_title.get(line.title, [])) > 1:
            line.error = f"有多个商品叫「{line.title}」，请填写商品ID"
            continue
        found = line.goods_id or next(iter(by_title.get(line.title, [])), None)
        if found is None:
            new.setdefault(line.title, []).append(line)
        else:
            existing.setdefault(found, []).append(line)
    work = _Work()
    for goods_id, group in existing.items():
        try:
            before = await service.get_goods(session, goods_id=goods_id)
        except ShopError:
            _fail(group, f"商品 {goods_id} 不存在")
            continue
        _plan_existing(group, before, categories, work)
    for group in new.values():
        _plan_new(group, categories, work)
    return work


async def preview(
    session: AsyncSession, *, admin: AdminUser, lines: list[ImportLine]
) -> list[ImportLine]:
    """Each line with what it would create or change, or its error; nothing is written."""
    require(admin, Permission.GOODS)
    await check(session, lines)
    return lines


def _facts(goods: AdminGoodsOut) -> dict[str, Any]:
    return {
        "title": goods.title,
        "category": goods.category_name,
        "market_price_fen": goods.market_price_fen,
        "is_on_shelf": goods.is_on_shelf,
        "skus": [
            {
                "id": sku.id,
                "price_fen": sku.price_fen,
                "stock": sku.stock,
                "code": sku.code,
                "is_active": sku.is_active,
            }
            for sku in goods.skus
        ],
    }


async def apply(
    session: AsyncSession,
    *,
    admin: AdminUser,
    origin: Origin,
    lines: list[ImportLine],
    near_cache: NearCache,
) -> list[ImportLine]:
    """Create and update every goods item of the file, or refuse the whole file (422
    `goods_import_invalid` with each bad line's error); one log entry per goods item changed.
    Prices, 划线价 and stock also need 改价格和库存."""
    require(admin, Permission.GOODS)
    work = await check(session, lines)
    bad = [line for line in lines if line.error]
    if bad:
        raise GoodsImportInvalid(
            lines=[{"line": line.line_no, "error": line.error} for line in bad]
        )
    if work.touches_prices_or_stock:
        require(admin, Permission.PRICES_STOCK)
    for before, data in work.updates:
        after = await service.replace_goods(
            session, goods_id=before.id, data=data, near_cache=near_cache
        )
        await _record(session, admin, origin, before, after)
    for data in work.creates:
        created = await service.create_goods(session, data=data, near_cache=near_cache)
        await _record(session, admin, origin, None, created)
    return lines


async def _record(
    session: AsyncSession,
    admin: AdminUser,
    origin: Origin,
    before: AdminGoodsOut | None,
    after: AdminGoodsOut,
) -> None:
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.GOODS_IMPORT,
        target_type="goods",
        target_id=after.id,
        summary=f"CSV 导入{'新建' if before is None else '修改'}：{after.title}",
        before=_facts(before) if before is not None else None,
        after=_facts(after),
    )
