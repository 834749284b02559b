"""对接 (owner only): API keys for the merchant's own systems, webhooks with their deliveries,
and stock imported from a CSV (preview of every change and error before applying)."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from xiaodian.auth.scopes import Scope
from xiaodian.console.forms import FieldErrors, attempt, text, validate
from xiaodian.console.rendering import redirect, render
from xiaodian.console.sections import Section
from xiaodian.console.security import ConsoleOwner, read_form
from xiaodian.core.errors import ShopError
from xiaodian.deps import IdPath, SessionDep
from xiaodian.models import Sku
from xiaodian.oplog.service import ConsoleOrigin
from xiaodian.oplog.vocabulary import Action
from xiaodian.sync import merchant, webhooks
from xiaodian.sync import service as sync
from xiaodian.sync.schemas import MAX_LINES, ApiKeyIn, StockSetLine, WebhookIn
from xiaodian.sync.vocabulary import WebhookEvent

router = APIRouter()
section = Section(
    key="integrations",
    title="系统对接",
    path="/integrations",
    icon="upload",
    group="店铺",
    router=router,
    owner_only=True,
)
SCOPES = {Scope.STOCK_WRITE: "改库存", Scope.ORDERS_READ: "读订单", Scope.CATALOG_READ: "读商品"}
EVENTS = {
    WebhookEvent.ORDER_PAID: "订单已支付",
    WebhookEvent.ORDER_SHIPPED: "订单已发货",
    WebhookEvent.ORDER_REFUNDED: "订单已退款",
    WebhookEvent.STOCK_CHANGED: "库存变化",
    WebhookEvent.STOCK_LOW: "库存不足",
}


async def _page(
    request: Request,
    session: SessionDep,
    *,
    status_code: int = 200,
    errors: FieldErrors | None = None,
    **extra: Any,
) -> Response:
    return render(
        request,
        "integrations.html",
        status_code=status_code,
        section="integrations",
        keys=await sync.list_keys(session),
        endpoints=await webhooks.list_endpoints(session),
        deliveries=await webhooks.list_deliveries(session, endpoint_id=None, limit=30),
        scopes=SCOPES,
        events=EVENTS,
        errors=errors or {},
        **extra,
    )


@router.get("/integrations")
async def integrations(request: Request, _owner: ConsoleOwner, session: SessionDep) -> Response:
    return await _page(request, session)


@router.post("/integrations/keys")
async def create_key(
    request: Request, owner: ConsoleOwner, origin: ConsoleOrigin, session: SessionDep
) -> Response:
    form = await read_form(request)
    data = {"name": text(form, "name"), "scopes": form.getlist("scopes")}
    key_in, errors = validate(ApiKeyIn, data)
    if key_in is None:
        return await _page(request, session, status_code=422, errors=errors)
    created = await merchant.create_key(session, admin=owner, origin=origin, data=key_in)
    # Shown this once: only its hash is kept.
    return await _page(request, session, new_key=created)


@router.post("/integrations/keys/{key_id}/revoke")
async def revoke_key(
    request: Request,
    key_id: IdPath,
    owner: ConsoleOwner,
    origin: ConsoleOrigin,
    session: SessionDep,
) -> Response:
    _, errors = await attempt(
        session,
        lambda: merchant.revoke_key(session, admin=owner, origin=origin, key_id=key_id),
    )
    return redirect(request, "/integrations", flash=errors.get("_form") or "API 密钥已吊销")


@router.post("/integrations/webhooks")
async def create_webhook(
    request: Request, owner: ConsoleOwner, origin: ConsoleOrigin, session: SessionDep
) -> Response:
    form = await read_form(request)
    data = {"url": text(form, "url"), "events": form.getlist("events")}
    hook_in, errors = validate(WebhookIn, data)
    if hook_in is None:
        return await _page(request, session, status_code=422, errors=errors, url=data["url"])
    created = await merchant.create_webhook(session, admin=owner, origin=origin, data=hook_in)
    return await _page(request, session, new_webhook=created)


@router.post("/integrations/webhooks/{endpoint_id}/delete")
async def delete_webhook(
    request: Request,
    endpoint_id: IdPath,
    owner: ConsoleOwner,
    origin: ConsoleOrigin,
    session: SessionDep,
) -> Response:
    _, errors = await attempt(
        session,
        lambda: merchant.delete_webhook(
            session, admin=owner, origin=origin, endpoint_id=endpoint_id
        ),
    )
    return redirect(request, "/integrations", flash=errors.get("_form") or "推送地址已停用")


@router.post("/integrations/deliveries/{delivery_id}/resend")
async def resend(
    request: Request,
    delivery_id: IdPath,
    owner: ConsoleOwner,
    origin: ConsoleOrigin,
    session: SessionDep,
) -> Response:
    _, errors = await attempt(
        session,
        lambda: merchant.resend(session, admin=owner, origin=origin, delivery_id=delivery_id),
    )
    return redirect(request, "/integrations", flash=errors.get("_form") or "已重新推送")


# ---- stock from a CSV ----


def _parse_csv(raw: str) -> tuple[list[StockSetLine], list[dict[str, Any]]]:
    """Lines `SKU 编码,库存` (a header row is skipped); the lines and the rows' errors."""
    lines: list[StockSetLine] = []
    problems: list[dict[str, Any]] = []
    for number, row in enumerate(csv.reader(io.StringIO(raw.strip())), start=1):
        cells = [cell.strip() for cell in row]
        if not cells or not any(cells):
            continue
        if number == 1 and not cells[-1].lstrip("-").isdigit():
            continue  # a header
        if len(cells) != 2 or not cells[0] or not cells[1].lstrip("-").isdigit():
            problems.append(
                {"row": number, "code": ",".join(cells), "message": "应为 SKU 编码,库存"}
            )
            continue
        stock = int(cells[1])
        if stock < 0:
            problems.append({"row": number, "code": cells[0], "message": "库存不能小于 0"})
            continue
        lines.append(StockSetLine(sku_code=cells[0], stock=stock))
    if len(lines) > MAX_LINES:
        problems.append({"row": 0, "code": "", "message": f"一次最多 {MAX_LINES} 行"})
    return lines, problems


async def _preview(session: SessionDep, raw: str) -> dict[str, Any]:
    lines, problems = _parse_csv(raw)
    codes = [line.sku_code for line in lines]
    found: dict[str, list[Sku]] = {}
    if codes:
        for sku in await session.scalars(select(Sku).where(Sku.code.in_(codes))):
            found.setdefault(sku.code, []).append(sku)
    changes = []
    for line in lines:
        matches = found.get(line.sku_code or "", [])
        if len(matches) != 1:
            message = "没有这个 SKU 编码" if not matches else "多个 SKU 使用这个编码"
            problems.append({"row": "", "code": line.sku_code, "message": message})
            continue
        was = matches[0].stock
        changes.append({"code": line.sku_code, "was": was, "stock": line.stock})
    return {"csv": raw, "changes": changes, "problems": problems, "lines": lines}


@router.post("/integrations/stock-csv")
async def preview_csv(request: Request, _owner: ConsoleOwner, session: SessionDep) -> Response:
    form = await read_form(request)
    preview = await _preview(session, text(form, "csv"))
    if not preview["lines"] and not preview["problems"]:
        preview["problems"].append({"row": "", "code": "", "message": "没有可导入的行"})
    return await _page(request, session, preview=preview)


@router.post("/integrations/stock-csv/apply")
async def apply_csv(
    request: Request, owner: ConsoleOwner, origin: ConsoleOrigin, session: SessionDep
) -> Response:
    form = await read_form(request)
    preview = await _preview(session, text(form, "csv"))
    if preview["problems"] or not preview["lines"]:
        return await _page(request, session, status_code=422, preview=preview)
    try:
        async with session.begin_nested():
            result = await merchant.set_stock(
                session,
                by=owner,
                origin=origin,
                lines=preview["lines"],
                action=Action.STOCK_IMPORT,
            )
    except ShopError as error:
        preview["problems"].append({"row": "", "code": "", "message": error.message})
        return await _page(request, session, status_code=422, preview=preview)
    return redirect(request, "/integrations", flash=f"已导入库存：{result.changed} 个 SKU 有变化")
