"""Goods as CSV: one row per SKU (UTF-8 with a BOM for Excel; prices in yuan)."""

from __future__ import annotations

import csv
import io

from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.catalog import admin_service
from xiaodian.catalog.schemas import AdminGoodsQuery
from xiaodian.core.money import format_yuan
from xiaodian.core.pagination import MAX_PAGE_SIZE

HEADER = (
    "商品ID",
    "商品名称",
    "分类",
    "规格",
    "SKU ID",
    "SKU 编码",
    "价格",
    "划线价",
    "库存",
    "销量",
    "规格在售",
    "上架",
)
MAX_GOODS = 10_000


def _guard(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


async def goods_csv(session: AsyncSession, query: AdminGoodsQuery) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    page_no, seen = 1, 0
    while seen < MAX_GOODS:
        page = await admin_service.list_goods(
            session, query.model_copy(update={"page": page_no, "page_size": MAX_PAGE_SIZE})
        )
        for goods in page.items:
            for sku in goods.skus:
                writer.writerow(
                    [
                        goods.id,
                        _guard(goods.title),
                        _guard(goods.category_name),
                        _guard(" / ".join(sku.spec_values)),
                        sku.id,
                        _guard(sku.code),
                        format_yuan(sku.price_fen),
                        format_yuan(goods.market_price_fen),
                        sku.stock,
                        sku.sales,
                        "是" if sku.is_active else "否",
                        "是" if goods.is_on_shelf else "否",
                    ]
                )
        seen += len(page.items)
        if not page.items or seen >= page.total:
            break
        page_no += 1
    return out.getvalue()
