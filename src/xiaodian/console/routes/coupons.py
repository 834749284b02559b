"""营销 → 优惠券 and 满减活动: list with usage, create forms with errors next to each field,
pause/resume/end, redeem-code batches with a CSV download."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from xiaodian.console.forms import (
    FieldErrors,
    attempt,
    checked,
    fen_field,
    shop_datetime,
    text,
    validate,
)
from xiaodian.console.rendering import redirect, render, shop_time
from xiaodian.console.sections import Section
from xiaodian.console.security import ConsoleAdmin, read_form
from xiaodian.core.money import format_yuan
from xiaodian.coupons import admin_service as coupons
from xiaodian.coupons import merchant, promotions
from xiaodian.coupons.schemas import (
    CodesIn,
    CouponIn,
    CouponPatch,
    PromotionIn,
    PromotionOut,
    PromotionPatch,
    check_terms,
)
from xiaodian.coupons.words import (
    CouponKind,
    CouponStatus,
    DiscountKind,
    PromotionStatus,
    ScopeType,
)
from xiaodian.deps import IdPath, SessionDep
from xiaodian.oplog.service import ConsoleOrigin

router = APIRouter()
promotions_router = APIRouter()
section = Section(
    key="coupons", title="优惠券", path="/coupons", icon="coupons", group="营销", router=router
)
promotions_section = Section(
    key="promotions",
    title="满减活动",
    path="/promotions",
    icon="coupons",
    group="营销",
    router=promotions_router,
)
KINDS = {
    CouponKind.THRESHOLD: "满减券",
    CouponKind.PERCENT: "折扣券",
    CouponKind.NO_THRESHOLD: "无门槛券",
}
SCOPES = {
    ScopeType.ALL: "全店通用",
    ScopeType.CATEGORIES: "指定分类",
    ScopeType.GOODS: "指定商品",
    ScopeType.ALL_EXCEPT: "除指定商品外",
}
STATUSES = {
    CouponStatus.ACTIVE: "进行中",
    CouponStatus.PAUSED: "已暂停",
    CouponStatus.ENDED: "已结束",
}
COUPON_FIELDS = (
    "name",
    "kind",
    "threshold",
    "discount",
    "percent_off",
    "cap",
    "scope_type",
    "scope_ids",
    "valid_from",
    "valid_until",
    "valid_days",
    "total",
    "per_user_limit",
)


def _ids(raw: str, errors: FieldErrors, field: str) -> list[int]:
    parts = [part for part in raw.replace("，", ",").replace(" ", ",").split(",") if part]
    if not all(part.isdigit() for part in parts):
        errors[field] = "请填写 ID，用逗号分隔"
        return []
    return [int(part) for part in parts]


def _moment(values: dict[str, Any], field: str, errors: FieldErrors) -> Any:
    if not values[field]:
        return None
    moment = shop_datetime(values[field])
    if moment is None:
        errors[field] = "时间格式不正确"
    return moment


def _coupon_data(form: FormData, values: dict[str, Any], errors: FieldErrors) -> dict[str, Any]:
    kind = values["kind"]
    data: dict[str, Any] = {
        "name": values["name"],
        "kind": kind,
        "scope": {
            "type": values["scope_type"] or ScopeType.ALL,
            "ids": _ids(values["scope_ids"], errors, "scope_ids"),
        },
        "valid_from": _moment(values, "valid_from", errors),
        "valid_until": _moment(values, "valid_until", errors),
        "valid_days": values["valid_days"] or None,
        "total": values["total"] or None,
        "per_user_limit": values["per_user_limit"] or 1,
        "new_user": checked(form, "new_user"),
        "by_code": checked(form, "by_code"),
        "stacks_with_promotions": checked(form, "stacks_with_promotions"),
    }
    if kind == CouponKind.THRESHOLD:
        data["threshold_fen"] = fen_field(form, "threshold", errors)
    if kind in (CouponKind.THRESHOLD, CouponKind.NO_THRESHOLD):
        data["discount_fen"] = fen_field(form, "discount", errors)
    if kind == CouponKind.PERCENT:
        data["percent_off"] = values["percent_off"] or None
        data["cap_fen"] = fen_field(form, "cap", errors, required=False) or 0
    percent = values["percent_off"]
    try:
        check_terms(
            CouponKind(kind) if kind in KINDS else None,
            data.get("threshold_fen"),
            data.get("discount_fen"),
            int(percent) if percent.isdigit() else None,
        )
    except ValueError as problem:
        errors.update(_placed({"__all__": str(problem)}))
    _window(data["valid_from"], data["valid_until"], "valid_until", errors)
    return data


def _window(starts: Any, ends: Any, field: str, errors: FieldErrors) -> None:
    if starts is not None and ends is not None and starts >= ends:
        errors.setdefault(field, "开始时间必须早于结束时间")


# Model-level checks (the consistency validator) are shown next to the field they concern.
_MESSAGE_FIELD = {
    "减免金额": "discount",
    "门槛金额": "threshold",
    "折扣比例": "percent_off",
    "有效期": "valid_until",
    "开始时间": "valid_from",
    "请选择适用": "scope_ids",
}


def _placed(errors: FieldErrors) -> FieldErrors:
    placed: FieldErrors = {}
    for field, message in errors.items():
        if field in ("__all__", "scope"):
            field = next((f for key, f in _MESSAGE_FIELD.items() if key in message), "__all__")
        elif field == "scope.ids":
            field = "scope_ids"
        placed.setdefault(field, message)
    return placed


def _coupon_form(
    request: Request, *, values: dict[str, Any], errors: FieldErrors, status_code: int = 200
) -> Response:
    return render(
        request,
        "coupons/form.html",
        status_code=status_code,
        section="coupons",
        values=values,
        errors=errors,
        kinds=KINDS,
        scopes=SCOPES,
    )


@router.get("/coupons")
async def coupon_list(request: Request, _admin: ConsoleAdmin, session: SessionDep) -> Response:
    return render(
        request,
        "coupons/list.html",
        section="coupons",
        coupons=await coupons.list_coupons(session),
        discount_given_fen=await coupons.discount_given(session, kind=DiscountKind.COUPON),
        kinds=KINDS,
        statuses=STATUSES,
        scopes=SCOPES,
    )


@router.get("/coupons/new")
async def new_coupon(request: Request, _admin: ConsoleAdmin) -> Response:
    values = {field: "" for field in COUPON_FIELDS} | {
        "kind": CouponKind.THRESHOLD,
        "scope_type": ScopeType.ALL,
        "per_user_limit": "1",
        "valid_days": "7",
    }
    return _coupon_form(request, values=values, errors={})


@router.post("/coupons/new")
async def create_coupon(
    request: Request, admin: ConsoleAdmin, origin: ConsoleOrigin, session: SessionDep
) -> Response:
    form = await read_form(request)
    values: dict[str, Any] = {field: text(form, field) for field in COUPON_FIELDS}
    values |= {
        name: checked(form, name) for name in ("new_user", "by_code", "stacks_with_promotions")
    }
    errors: FieldErrors = {}
    data = _coupon_data(form, values, errors)
    coupon_in, schema_errors = validate(CouponIn, data)
    errors = _placed(schema_errors) | errors
    if coupon_in is not None and not errors:
        created, errors = await attempt(
            session,
            lambda: merchant.create_coupon(session, admin=admin, origin=origin, data=coupon_in),
        )
        if created is not None:
            return redirect(request, "/coupons", flash="优惠券已创建")
    return _coupon_form(request, values=values, errors=errors, status_code=422)


EDIT_FIELDS = ("name", "total", "per_user_limit", "valid_until", "valid_days")


def _edit_form(
    request: Request,
    *,
    coupon: Any,
    values: dict[str, Any],
    errors: FieldErrors,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "coupons/edit.html",
        status_code=status_code,
        section="coupons",
        coupon=coupon,
        values=values,
        errors=errors,
        kinds=KINDS,
        scopes=SCOPES,
    )


@router.get("/coupons/{coupon_id}")
async def edit_coupon(
    coupon_id: IdPath, request: Request, _admin: ConsoleAdmin, session: SessionDep
) -> Response:
    coupon = await coupons.get_coupon(session, coupon_id=coupon_id)
    values = {
        "name": coupon.name,
        "total": str(coupon.total),
        "per_user_limit": str(coupon.per_user_limit),
        "valid_until": shop_time(coupon.valid_until, "%Y-%m-%dT%H:%M"),
        "valid_days": str(coupon.valid_days or ""),
        "stacks_with_promotions": coupon.stacks_with_promotions,
    }
    return _edit_form(request, coupon=coupon, values=values, errors={})


@router.post("/coupons/{coupon_id}")
async def update_coupon(
    coupon_id: IdPath,
    request: Request,
    admin: ConsoleAdmin,
    origin: ConsoleOrigin,
    session: SessionDep,
) -> Response:
    coupon = await coupons.get_coupon(session, coupon_id=coupon_id)
    form = await read_form(request)
    values: dict[str, Any] = {field: text(form, field) for field in EDIT_FIELDS}
    values["stacks_with_promotions"] = checked(form, "stacks_with_promotions")
    errors: FieldErrors = {}
    data: dict[str, Any] = {
        "name": values["name"],
        "total": values["total"] or None,
        "per_user_limit": values["per_user_limit"] or None,
        "valid_until": _moment(values, "valid_until", errors),
        "valid_days": values["valid_days"] or None,
        "stacks_with_promotions": values["stacks_with_promotions"],
    }
    if data["valid_until"] is None and data["valid_days"] is None:
        errors["valid_until"] = "请设置有效期：截止时间或领取后天数"
    patch, schema_errors = validate(CouponPatch, data)
    errors = schema_errors | errors
    if patch is not None and not errors:
        saved, errors = await attempt(
            session,
            lambda: merchant.update_coupon(
                session, admin=admin, origin=origin, coupon_id=coupon_id, patch=patch
            ),
        )
        if saved is not None:
            return redirect(request, "/coupons", flash="优惠券已保存")
    return _edit_form(request, coupon=coupon, values=values, errors=errors, status_code=422)


@router.post("/coupons/{coupon_id}/status")
async def set_status(
    coupon_id: IdPath,
    request: Request,
    admin: ConsoleAdmin,
    origin: ConsoleOrigin,
    session: SessionDep,
) -> Response:
    action = text(await read_form(request), "action")
    status = {"pause": CouponStatus.PAUSED, "resume": CouponStatus.ACTIVE}.get(
        action, CouponStatus.ENDED
    )
    await merchant.set_coupon_status(
        session, admin=admin, origin=origin, coupon_id=coupon_id, status=status
    )
    return redirect(request, "/coupons", flash=f"优惠券{STATUSES[status]}")


@router.post("/coupons/{coupon_id}/codes")
async def generate_codes(
    coupon_id: IdPath,
    request: Request,
    admin: ConsoleAdmin,
    origin: ConsoleOrigin,
    session: SessionDep,
) -> Response:
    body, errors = validate(CodesIn, {"count": text(await read_form(request), "count") or None})
    if body is None:
        return redirect(request, "/coupons", flash=f"兑换码数量{errors.get('count', '有误')}")
    made = await merchant.generate_codes(
        session, admin=admin, origin=origin, coupon_id=coupon_id, count=body.count
    )
    return redirect(request, "/coupons", flash=f"已生成 {len(made.codes)} 个兑换码")


@router.get("/coupons/{coupon_id}/codes.csv")
async def codes_csv(coupon_id: IdPath, _admin: ConsoleAdmin, session: SessionDep) -> Response:
    rows = await coupons.all_codes(session, coupon_id=coupon_id)
    lines = ["code,redeemed", *(f"{code},{'yes' if used else 'no'}" for code, used in rows)]
    return Response(
        "\ufeff" + "\r\n".join(lines) + "\r\n",
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="coupon-{coupon_id}-codes.csv"'},
    )


PROMOTION_FIELDS = (
    "name",
    "threshold_1",
    "discount_1",
    "threshold_2",
    "discount_2",
    "scope_type",
    "scope_ids",
    "starts_at",
    "ends_at",
)


def _promotion_page(
    request: Request,
    *,
    rows: Any,
    values: dict[str, Any],
    errors: FieldErrors,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "coupons/promotions.html",
        status_code=status_code,
        section="promotions",
        promotions=rows,
        values=values,
        errors=errors,
        scopes=SCOPES,
    )


@promotions_router.get("/promotions")
async def promotion_list(request: Request, _admin: ConsoleAdmin, session: SessionDep) -> Response:
    values = {field: "" for field in PROMOTION_FIELDS} | {"scope_type": ScopeType.ALL}
    return _promotion_page(
        request, rows=await promotions.list_promotions(session), values=values, errors={}
    )


def _promotion_data(form: FormData, values: dict[str, Any], errors: FieldErrors) -> dict[str, Any]:
    """The promotion form (new or edit) as the schema's fields; money typed in yuan."""
    tiers = []
    for n in ("1", "2"):
        if n == "1" or values[f"threshold_{n}"] or values[f"discount_{n}"]:
            threshold = fen_field(form, f"threshold_{n}", errors)
            discount = fen_field(form, f"discount_{n}", errors)
            if threshold is not None and discount is not None:
                if discount >= threshold:
                    errors[f"discount_{n}"] = "减免金额必须小于门槛金额"
                tiers.append({"threshold_fen": threshold, "discount_fen": discount})
    data = {
        "name": values["name"],
        "tiers": tiers,
        "scope": {
            "type": values["scope_type"] or ScopeType.ALL,
            "ids": _ids(values["scope_ids"], errors, "scope_ids"),
        },
        "starts_at": _moment(values, "starts_at", errors),
        "ends_at": _moment(values, "ends_at", errors),
    }
    _window(data["starts_at"], data["ends_at"], "ends_at", errors)
    return data


def _promotion_errors(schema_errors: FieldErrors) -> FieldErrors:
    return {
        ("ends_at" if k == "__all__" else "scope_ids" if k.startswith("scope") else k): v
        for k, v in schema_errors.items()
        if not k.startswith("tiers")
    }


@promotions_router.post("/promotions")
async def create_promotion(
    request: Request, admin: ConsoleAdmin, origin: ConsoleOrigin, session: SessionDep
) -> Response:
    form = await read_form(request)
    values: dict[str, Any] = {field: text(form, field) for field in PROMOTION_FIELDS}
    errors: FieldErrors = {}
    data = _promotion_data(form, values, errors)
    promotion_in, schema_errors = validate(PromotionIn, data)
    errors = _promotion_errors(schema_errors) | errors
    if promotion_in is not None and not errors:
        created, errors = await attempt(
            session,
            lambda: merchant.create_promotion(
                session, admin=admin, origin=origin, data=promotion_in
            ),
        )
        if created is not None:
            return redirect(request, "/promotions", flash="满减活动已创建")
    return _promotion_page(
        request,
        rows=await promotions.list_promotions(session),
        values=values,
        errors=errors,
        status_code=422,
    )


def _promotion_values(promotion: PromotionOut) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": promotion.name,
        "scope_type": promotion.scope.type,
        "scope_ids": ", ".join(str(i) for i in promotion.scope.ids),
        "starts_at": shop_time(promotion.starts_at, "%Y-%m-%dT%H:%M"),
        "ends_at": shop_time(promotion.ends_at, "%Y-%m-%dT%H:%M"),
    }
    for n in ("1", "2"):
        tier = promotion.tiers[int(n) - 1] if len(promotion.tiers) >= int(n) else None
        values[f"threshold_{n}"] = format_yuan(tier.threshold_fen) if tier else ""
        values[f"discount_{n}"] = format_yuan(tier.discount_fen) if tier else ""
    return values


def _promotion_edit(
    request: Request,
    *,
    promotion: PromotionOut,
    values: dict[str, Any],
    errors: FieldErrors,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "coupons/promotion_edit.html",
        status_code=status_code,
        section="promotions",
        promotion=promotion,
        values=values,
        errors=errors,
        scopes=SCOPES,
    )


@promotions_router.get("/promotions/{promotion_id}/edit")
async def edit_promotion(
    promotion_id: IdPath, request: Request, _admin: ConsoleAdmin, session: SessionDep
) -> Response:
    promotion = await promotions.get_promotion(session, promotion_id=promotion_id)
    return _promotion_edit(
        request, promotion=promotion, values=_promotion_values(promotion), errors={}
    )


@promotions_router.post("/promotions/{promotion_id}/edit")
async def update_promotion(
    promotion_id: IdPath,
    request: Request,
    admin: ConsoleAdmin,
    origin: ConsoleOrigin,
    session: SessionDep,
) -> Response:
    """Name, tiers, scope and window in one save (the API's PATCH); the status keeps its own
    buttons in the list."""
    promotion = await promotions.get_promotion(session, promotion_id=promotion_id)
    form = await read_form(request)
    values: dict[str, Any] = {field: text(form, field) for field in PROMOTION_FIELDS}
    errors: FieldErrors = {}
    data = _promotion_data(form, values, errors)
    patch, schema_errors = validate(PromotionPatch, data)
    errors = _promotion_errors(schema_errors) | errors
    if not values["name"]:
        errors.setdefault("name", "必填")
    if patch is not None and not errors:
        saved, errors = await attempt(
            session,
            lambda: merchant.update_promotion(
                session, admin=admin, origin=origin, promotion_id=promotion_id, patch=patch
            ),
        )
        if saved is not None:
            return redirect(request, "/promotions", flash="满减活动已保存")
    return _promotion_edit(
        request, promotion=promotion, values=values, errors=errors, status_code=422
    )


@promotions_router.post("/promotions/{promotion_id}/status")
async def set_promotion_status(
    promotion_id: IdPath,
    request: Request,
    admin: ConsoleAdmin,
    origin: ConsoleOrigin,
    session: SessionDep,
) -> Response:
    action = text(await read_form(request), "action")
    status = {"pause": PromotionStatus.PAUSED, "resume": PromotionStatus.ACTIVE}.get(
        action, PromotionStatus.ENDED
    )
    await merchant.update_promotion(
        session,
        admin=admin,
        origin=origin,
        promotion_id=promotion_id,
        patch=PromotionPatch(status=status),
    )
    return redirect(request, "/promotions", flash=f"满减活动{STATUSES[CouponStatus(status)]}")
