"""The bulk stock form: one number per SKU; only the ones changed are sent to the service, so
the page does not overwrite stock that orders took while it was open."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from starlette.datastructures import FormData

from xiaodian.catalog.schemas import StockEdit
from xiaodian.console.forms import FieldErrors, text

_STOCK = re.compile(r"^stock\.(\d+)$")
_LOW = re.compile(r"^low\.(\d+)$")
FILTER_FIELDS = ("q", "category_id", "on_shelf", "low_stock", "page")
MAX_STOCK = 10_000_000  # the `Stock` type's bound


@dataclass
class StockForm:
    items: list[StockEdit] = field(default_factory=list)
    alerts: dict[int, int | None] = field(default_factory=dict)
    """Low-stock alert thresholds that changed (None: back to the shop's default)."""
    errors: FieldErrors = field(default_factory=dict)
    entered: dict[str, str] = field(default_factory=dict)
    filters: dict[str, str] = field(default_factory=dict)

    @property
    def query(self) -> str:
        return urlencode({k: v for k, v in self.filters.items() if v})


def parse_stock_form(form: FormData) -> StockForm:
    parsed = StockForm(filters={name: text(form, name) for name in FILTER_FIELDS})
    for key in form:
        low = _LOW.match(key)
        if low is not None:
            raw = text(form, key)
            if raw == text(form, f"lowwas.{low.group(1)}"):
                continue
            if raw and (not raw.isdigit() or int(raw) > MAX_STOCK):
                parsed.errors[key] = "请输入 0 到 10000000 之间的整数，留空用店铺默认"
                continue
            parsed.alerts[int(low.group(1))] = int(raw) if raw else None
            continue
        match = _STOCK.match(key)
        if match is None:
            continue
        sku_id = int(match.group(1))
        raw = text(form, key)
        parsed.entered[str(sku_id)] = raw
        if raw == text(form, f"was.{sku_id}"):
            continue
        if not raw.isdigit() or int(raw) > MAX_STOCK:
            parsed.errors[key] = "请输入 0 到 10000000 之间的整数"
            continue
        parsed.items.append(StockEdit(sku_id=sku_id, stock=int(raw)))
    return parsed
