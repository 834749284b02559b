"""Batch shipping from a CSV file (订单号, 快递公司, 运单号): a preview of what will change with
an error per line, then all of it applied in one transaction or none of it.

The file may have a header row (recognised by 订单号 / order_no) and may be UTF-8 (with or
without a BOM) or GB18030 (what Excel saves in China). Lines that are wholly empty are skipped.
Each order may appear once; it must exist and wait for shipping (`paid`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.auth.permissions import Permission, require
from xiaodian.config import Settings
from xiaodian.models import AdminUser, Order
from xiaodian.oplog.service import Origin
from xiaodian.orders import merchant
from xiaodian.orders.errors import ShipImportInvalid
from xiaodian.orders.schemas import ShipIn
from xiaodian.orders.state import Status

MAX_LINES = 500
MAX_BYTES = 60 * 1024  # under the default request body limit (64 KiB)
HEADER_WORDS = ("订单号", "order_no", "订单编号")


@dataclass
class ImportLine:
    line_no: int
    order_no: str
    carrier: str
    tracking_no: str
    order_id: int | None = None
    status: str = ""
    error: str = ""


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ShipImportInvalid("文件编码无法识别，请另存为 UTF-8 或 GBK 编码的 CSV")


def parse(text: str) -> list[ImportLine]:
    if len(text.encode()) > MAX_BYTES:
        raise ShipImportInvalid(f"文件太大（最多 {MAX_BYTES // 1024} KB）")
    lines: list[ImportLine] = []
    for number, cells in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), start=1):
        cells = [cell.strip() for cell in cells]
        if not any(cells):
            continue
        if not lines and cells[0].lower() in HEADER_WORDS:
            continue
        cells += [""] * (3 - len(cells))
        lines.append(ImportLine(number, cells[0].lstrip("'"), cells[1], cells[2]))
        if len(lines) > MAX_LINES:
            raise ShipImportInvalid(f"一次最多导入 {MAX_LINES} 行")
    if not lines:
        raise ShipImportInvalid("文件里没有要发货的行（每行：订单号, 快递公司, 运单号）")
    return lines


async def check(session: AsyncSession, lines: list[ImportLine]) -> list[ImportLine]:
    """Fill each line's order and its error (empty when the line would ship)."""
    numbers = {line.order_no for line in lines if line.order_no}
    found = (
        {
            order_no: (order_id, status)
            for order_id, order_no, status in (
                await session.execute(
                    select(Order.id, Order.order_no, Order.status).where(
                        Order.order_no.in_(numbers)
                    )
                )
            )
        }
        if numbers
        else {}
    )
    seen: dict[str, int] = {}
    for line in lines:
        if not line.order_no:
            line.error = "缺少订单号"
            continue
        if line.order_no in seen:
            line.error = f"与第 {seen[line.order_no]} 行的订单重复"
            continue
        seen[line.order_no] = line.line_no
        if line.order_no not in found:
            line.error = "订单不存在"
            continue
        line.order_id, line.status = found[line.order_no]
        if line.status != Status.PAID:
            line.error = "订单不是待发货状态" if line.status != Status.SHIPPED else "订单已发货"
            continue
        if not line.carrier:
            line.error = "缺少快递公司"
            continue
        try:
            ShipIn(carrier=line.carrier, tracking_no=line.tracking_no)
        except ValidationError as error:
            field = str(error.errors()[0]["loc"][0])
            line.error = (
                "运单号为 4–64 位字母、数字或短横线" if field == "tracking_no" else "快递公司太长"
            )
    return lines


async def apply(
    session: AsyncSession,
    *,
    admin: AdminUser,
    origin: Origin,
    lines: list[ImportLine],
    defaults: Settings,
) -> list[ImportLine]:
    """Ship every line, or refuse the whole file (422 `ship_import_invalid` with the lines'
    errors) if any line is wrong; a failure midway rolls back the caller's transaction."""
    require(admin, Permission.SHIP)
    await check(session, lines)
    bad = [line for line in lines if line.error]
    if bad:
        raise ShipImportInvalid(
            lines=[
                {"line": line.line_no, "order_no": line.order_no, "error": line.error}
                for line in bad
            ]
        )
    for line in lines:
        assert line.order_id is not None
        await merchant.ship(
            session,
            admin=admin,
            origin=origin,
            order_id=line.order_id,
            shipment=ShipIn(carrier=line.carrier, tracking_no=line.tracking_no),
            defaults=defaults,
        )
    return lines
