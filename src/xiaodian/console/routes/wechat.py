"""微信平台: shipping-info uploads that failed (with a retry button) and the subscribe-message
templates mapped to events."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from xiaodian.console.forms import FieldErrors, text, validate
from xiaodian.console.rendering import redirect, render
from xiaodian.console.sections import Section
from xiaodian.console.security import ConsoleAdmin, ConsoleOwner, ConsoleShip, read_form
from xiaodian.core.errors import NotFound
from xiaodian.deps import IdPath, SessionDep, context_of
from xiaodian.models import Order
from xiaodian.oplog.service import ConsoleOrigin
from xiaodian.wechat import merchant, shipping, subscriptions, tracking
from xiaodian.wechat.schemas import TemplateIn
from xiaodian.wechat.vocabulary import ShippingStatus, SubscribeEvent

router = APIRouter()
section = Section(
    key="wechat", title="微信平台", path="/wechat", icon="wechat", group="店铺", router=router
)
EVENT_NAMES = {
    SubscribeEvent.PAID: "支付成功",
    SubscribeEvent.SHIPPED: "订单发货",
    SubscribeEvent.DELIVERING: "开始配送",
    SubscribeEvent.DELIVERED: "已送达",
    SubscribeEvent.REFUND_RESULT: "退款结果",
    SubscribeEvent.GROUP_FILLED: "拼团成功",
    SubscribeEvent.GROUP_FAILED: "拼团失败",
    SubscribeEvent.FLASH_STARTING: "秒杀开始提醒",
    SubscribeEvent.RESTOCKED: "到货提醒",
}


def _fields_text(fields: dict[str, str]) -> str:
    return "\n".join(f"{name}={source}" for name, source in fields.items())


def _parse_fields(raw: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in raw.replace("，", ",").replace(",", "\n").splitlines():
        if "=" in line:
            name, source = line.split("=", 1)
            fields[name.strip()] = source.strip()
    return fields


async def _page(
    request: Request,
    session: SessionDep,
    *,
    errors: dict[str, FieldErrors] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    saved = {row.event: row for row in await subscriptions.templates(session)}
    forms: dict[str, dict[str, str]] = {
        event: {
            "template_id": saved[event].template_id if event in saved else "",
            "fields": _fields_text(saved[event].fields) if event in saved else "",
            "page": saved[event].page if event in saved else "",
            "is_enabled": "true" if event not in saved or saved[event].is_enabled else "",
        }
        for event in SubscribeEvent
    }
    forms.update(values or {})
    return render(
        request,
        "wechat/index.html",
        status_code=status_code,
        section="wechat",
        failures=await shipping.failed_uploads(context_of(request)),
        events=EVENT_NAMES,
        forms=forms,
        errors=errors or {},
        sources=subscriptions.SOURCES,
    )


@router.get("/wechat")
async def wechat_page(request: Request, _admin: ConsoleAdmin, session: SessionDep) -> Response:
    return await _page(request, session)


@router.get("/orders/{order_id}/tracking")
async def order_tracking(order_id: IdPath, request: Request, _admin: ConsoleAdmin) -> Response:
    """The express timeline, loaded into the order detail after it shows (the provider is
    asked with no transaction open)."""
    context = context_of(request)
    async with context.db.transaction(write=False) as session:
        order = await session.get(Order, order_id)
    if order is None:
        raise NotFound("订单不存在")
    return render(
        request, "wechat/_tracking.html", tracking=await tracking.timeline(context, order)
    )


@router.post("/wechat/shipping/{order_id}/retry")
async def retry_upload(
    order_id: IdPath, request: Request, admin: ConsoleShip, origin: ConsoleOrigin
) -> Response:
    # no transaction is open over the call to WeChat
    await read_form(request)
    status = await merchant.retry_upload(
        context_of(request), admin=admin, origin=origin, order_id=order_id
    )
    flash = "发货信息已上传" if status == ShippingStatus.UPLOADED else "上传仍未成功，请查看错误"
    return redirect(request, "/wechat", flash=flash)


@router.post("/wechat/templates/{event}")
async def save_template(
    event: SubscribeEvent,
    request: Request,
    owner: ConsoleOwner,
    origin: ConsoleOrigin,
    session: SessionDep,
) -> Response:
    form = await read_form(request)
    values = {
        "template_id": text(form, "template_id"),
        "fields": str(form.get("fields", "")),
        "page": text(form, "page"),
        "is_enabled": "true" if form.get("is_enabled") else "",
    }
    body, errors = validate(
        TemplateIn,
        {
            "template_id": values["template_id"],
            "fields": _parse_fields(values["fields"]),
            "page": values["page"],
            "is_enabled": bool(values["is_enabled"]),
        },
    )
    if body is None:
        return await _page(
            request, session, errors={event: errors}, values={event: values}, status_code=422
        )
    await merchant.save_template(session, admin=owner, origin=origin, event=event, body=body)
    return redirect(request, "/wechat", flash=f"「{EVENT_NAMES[event]}」的订阅消息模板已保存")
