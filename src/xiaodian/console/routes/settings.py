"""Shop settings (owner only): name, logo, service phone, notice, timeouts, freight rule, and
the payment credentials."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from xiaodian.console import payment_settings
from xiaodian.console.forms import FieldErrors, attempt, fen_field, text, validate
from xiaodian.console.rendering import is_htmx, media_path, redirect, render, yuan
from xiaodian.console.sections import Section
from xiaodian.console.security import ConsoleOwner, read_form
from xiaodian.core.errors import NotFound
from xiaodian.deps import SessionDep, context_of
from xiaodian.models import AdminUser
from xiaodian.oplog.service import ConsoleOrigin, Origin
from xiaodian.payments import credentials
from xiaodian.payments import merchant as payments_merchant
from xiaodian.shop import merchant as shop_merchant
from xiaodian.shop import service as shop
from xiaodian.shop.schemas import ShopSettingsPatch

router = APIRouter()
section = Section(
    key="settings",
    title="店铺设置",
    path="/settings",
    icon="settings",
    group="店铺",
    router=router,
    owner_only=True,
)
TEXT_FIELDS = (
    "name",
    "logo_url",
    "service_phone",
    "notice",
    "unpaid_timeout_minutes",
    "auto_confirm_days",
)
MONEY_FIELDS = ("freight", "free_freight_threshold")
LOW_STOCK = "low_stock_below"
SECTION_FIELDS: dict[str, tuple[str, ...]] = {
    "shop": ("name", "logo_url", "service_phone", "notice"),
    "trade": (
        "unpaid_timeout_minutes",
        "auto_confirm_days",
        "freight",
        "free_freight_threshold",
        LOW_STOCK,
    ),
}
"""Each section of the page saves only its own fields (the others keep their unsaved edits)."""


async def _page(
    request: Request,
    session: SessionDep,
    *,
    values: dict[str, str],
    errors: FieldErrors,
    payment_errors: FieldErrors | None = None,
    status_code: int = 200,
) -> Response:
    context = context_of(request)
    masked = await credentials.masked(session, context=context)
    return render(
        request,
        "settings.html",
        status_code=status_code,
        section="settings",
        values=values,
        section_errors={key: errors for key in SECTION_FIELDS},
        section_values={},
        payment_groups=payment_settings.groups(masked.fields),
        payment_errors=payment_errors or {},
    )


async def _current_values(request: Request, session: SessionDep) -> dict[str, str]:
    context = context_of(request)
    current = shop.to_out(await shop.current_settings(session, defaults=context.settings))
    values = {field: str(getattr(current, field)) for field in TEXT_FIELDS}
    values["logo_url"] = media_path(current.logo_url)
    values["freight"] = yuan(current.freight_fen)
    values["free_freight_threshold"] = yuan(current.free_freight_threshold_fen)
    below = current.low_stock_below
    values["low_stock_below"] = str(context.settings.stock_hint_below if below is None else below)
    return values


@router.get("/settings")
async def settings_page(request: Request, _owner: ConsoleOwner, session: SessionDep) -> Response:
    values = await _current_values(request, session)
    return await _page(request, session, values=values, errors={})


@router.post("/settings")
async def save_settings(
    request: Request, owner: ConsoleOwner, origin: ConsoleOrigin, session: SessionDep
) -> Response:
    form = await read_form(request)
    fields = (*TEXT_FIELDS, *MONEY_FIELDS, LOW_STOCK)
    values, errors = await _save(request, session, owner, origin, form, fields)
    if not errors:
        return redirect(request, "/settings", flash="店铺设置已保存")
    return await _page(request, session, values=values, errors=errors, status_code=422)


async def _save(
    request: Request,
    session: SessionDep,
    owner: AdminUser,
    origin: Origin,
    form: FormData,
    fields: tuple[str, ...],
) -> tuple[dict[str, str], FieldErrors]:
    """Validate and save `fields` of the form (only those: a PATCH of them); the values as
    typed and the errors (none: saved)."""
    values = {field: text(form, field) for field in fields}
    errors: FieldErrors = {}
    data: dict[str, Any] = {field: values[field] for field in fields if field in TEXT_FIELDS}
    if LOW_STOCK in fields:
        data[LOW_STOCK] = values[LOW_STOCK] or None  # left empty: unchanged
    for field in MONEY_FIELDS:
        if field in fields:
            data[f"{field}_fen"] = fen_field(form, field, errors)
    patch, schema_errors = validate(ShopSettingsPatch, data)
    errors = schema_errors | errors
    if patch is not None and not errors:
        context = context_of(request)
        saved, errors = await attempt(
            session,
            lambda: shop_merchant.update_settings(
                session, admin=owner, origin=origin, defaults=context.settings, patch=patch
            ),
        )
        if saved is not None:
            return values, {}
    if "service_phone" in errors:
        errors["service_phone"] = "请填写电话号码，如 021-12345678"
    if LOW_STOCK in errors:
        errors[LOW_STOCK] = "请填写 0–100000 的整数"
    if "freight" in errors and "不能大于" in errors["freight"]:
        errors["freight"] = "运费不能超过 1000 元"
    return values, errors


@router.post("/settings/sections/{section}")
async def save_section(
    section: str,
    request: Request,
    owner: ConsoleOwner,
    origin: ConsoleOrigin,
    session: SessionDep,
) -> Response:
    """Save one section: under htmx the section alone comes back (saved, or with its errors),
    so what is typed in the other sections stays on the page."""
    fields = SECTION_FIELDS.get(section)
    if fields is None:
        raise NotFound("没有这个设置")
    form = await read_form(request)
    values, errors = await _save(request, session, owner, origin, form, fields)
    if not is_htmx(request):
        if not errors:
            return redirect(request, "/settings", flash="店铺设置已保存")
        current = await _current_values(request, session)
        return await _page(
            request, session, values=current | values, errors=errors, status_code=422
        )
    if not errors:
        values = await _current_values(request, session)
    return render(
        request,
        "settings/_section.html",
        status_code=422 if errors else 200,
        key=section,
        values=values,
        errors=errors,
        saved=not errors,
    )


@router.post("/settings/payments")
async def save_payments(
    request: Request, owner: ConsoleOwner, origin: ConsoleOrigin, session: SessionDep
) -> Response:
    """Secrets are stored encrypted by the payments domain and only ever shown masked."""
    patch = payment_settings.patch_from(await read_form(request))
    if not patch.values:
        return redirect(request, "/settings#payments", flash="支付设置没有修改")
    context = context_of(request)
    saved, errors = await attempt(
        session,
        lambda: payments_merchant.update_credentials(
            session, admin=owner, origin=origin, context=context, patch=patch
        ),
    )
    if saved is not None:
        return redirect(request, "/settings#payments", flash="支付设置已保存")
    values = await _current_values(request, session)
    return await _page(
        request, session, values=values, errors={}, payment_errors=errors, status_code=422
    )
