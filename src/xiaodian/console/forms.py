"""From HTML forms to the domain's Pydantic schemas, and from their errors back to messages
shown next to the fields, in Chinese.

Field names in the templates are the schemas' dotted paths (`skus.0.price_fen` → input
`skus.0.price`: amounts typed in yuan drop the `_fen` suffix), so an error's location finds
its input without a table per form.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, time
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from xiaodian.core import clock
from xiaodian.core.errors import ShopError
from xiaodian.core.money import parse_yuan

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
FieldErrors = dict[str, str]

# Errors whose cause is one field: shown next to it instead of at the top of the form.
FIELD_OF_ERROR: Mapping[str, str] = {
    "username_taken": "username",
    "category_not_found": "category_id",
    "invalid_category": "parent_id",
    "invalid_sku_matrix": "skus",
    "market_price_too_low": "market_price",
}

FORM_ERROR = "__all__"


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def field_key(location: tuple[int | str, ...]) -> str:
    """("skus", 1, "price_fen") → "skus.1.price"; a union's branch tags ("literal['']",
    "constrained-str") end the path, since they name a type, not a field."""
    parts: list[str] = []
    for part in location:
        if part in ("body", "query"):
            continue
        if isinstance(part, str) and not _NAME.match(part):
            break
        parts.append(str(part))
    key = ".".join(parts)
    return key.removesuffix("_fen") if key.endswith("_fen") else key


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    context = error.get("ctx") or {}
    if kind in ("too_short", "too_long") and isinstance(error.get("input"), str):
        kind = f"string_{kind}"  # a length bound from Field() on a text
    match kind:
        case "missing":
            return "必填"
        case "string_too_short":
            least = context.get("min_length")
            return "不能为空" if least == 1 else f"至少 {least} 个字符"
        case "string_too_long":
            return f"最多 {context.get('max_length')} 个字"
        case "too_short":
            return f"至少需要 {context.get('min_length')} 项"
        case "too_long":
            return f"最多 {context.get('max_length')} 项"
        case "greater_than_equal" | "greater_than":
            return f"不能小于 {context.get('ge', context.get('gt'))}"
        case "less_than_equal" | "less_than":
            return f"不能大于 {context.get('le', context.get('lt'))}"
        case "int_parsing" | "int_type" | "int_from_float":
            return "请输入整数"
        case "string_pattern_mismatch":
            return "格式不正确"
        case "literal_error" | "enum":
            return "请选择一项"
        case "bool_parsing":
            return "请选择是或否"
        case "datetime_parsing" | "datetime_from_date_parsing":
            return "时间格式不正确"
    text = str(error.get("msg", "")).removeprefix("Value error, ")
    if "URL" in text or "path starting with" in text:
        return "请填写以 http(s):// 或 / 开头的地址"
    return text or "填写有误"


def validation_errors(error: ValidationError) -> FieldErrors:
    """One message per field (the first), keyed by the form's field name."""
    errors: FieldErrors = {}
    for item in error.errors():
        key = field_key(tuple(item["loc"])) or FORM_ERROR
        errors.setdefault(key, _message(item))
    return errors


def shop_error(error: ShopError) -> FieldErrors:
    """A domain refusal next to the field it is about (named by the error's `field` detail or
    by its code), or at the top of the form."""
    field = error.details.get("field")
    if not isinstance(field, str):
        field = FIELD_OF_ERROR.get(error.code, FORM_ERROR)
    return {field: error.message}


def validate(model: type[M], data: Mapping[str, Any]) -> tuple[M | None, FieldErrors]:
    try:
        return model.model_validate(data), {}
    except ValidationError as error:
        return None, validation_errors(error)


async def attempt(
    session: AsyncSession, action: Callable[[], Awaitable[T]]
) -> tuple[T | None, FieldErrors]:
    """Run a service call in a savepoint: on a ShopError its writes are undone (the request's
    transaction still commits, so the form can be shown again with the error)."""
    try:
        async with session.begin_nested():
            return await action(), {}
    except ShopError as error:
        return None, shop_error(error)


def text(form: FormData | Mapping[str, Any], name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def checked(form: FormData | Mapping[str, Any], name: str) -> bool:
    return text(form, name) in ("on", "true", "1")


def fen_field(
    form: FormData | Mapping[str, Any],
    name: str,
    errors: FieldErrors,
    *,
    required: bool = True,
) -> int | None:
    """An amount typed in yuan ("19.9") as fen; records a message in `errors` if it is not one."""
    raw = text(form, name).replace("，", ".").replace("¥", "").strip()
    if not raw:
        if required:
            errors[name] = "必填"
        return None
    try:
        return parse_yuan(raw)
    except ValueError:
        errors[name] = "请输入金额，如 19.90"
        return None


def shop_day_start(raw: str) -> datetime | None:
    """A date picked in the shop's timezone ("2026-11-27") as the aware UTC instant it begins."""
    try:
        day = datetime.strptime(raw, "%Y-%m-%d").date()  # noqa: DTZ007 - a date only
    except ValueError:
        return None
    return datetime.combine(day, time(0), tzinfo=clock.SHOP_TZ).astimezone(UTC)


def shop_datetime(raw: str) -> datetime | None:
    """A `datetime-local` value typed in the shop's timezone, as aware UTC."""
    try:
        moment = datetime.strptime(raw, "%Y-%m-%dT%H:%M")  # noqa: DTZ007 - localised below
    except ValueError:
        return None
    return moment.replace(tzinfo=clock.SHOP_TZ).astimezone(UTC)


def lenient(model: type[M], params: Mapping[str, str]) -> M:
    """Filters from a URL: empty values are ignored and an invalid one falls back to its
    default instead of failing the whole page."""
    data = {key: value for key, value in params.items() if value != ""}
    for _ in range(len(data) + 1):
        try:
            return model.model_validate(data)
        except ValidationError as error:
            bad = {str(item["loc"][0]) for item in error.errors() if item["loc"]}
            if not bad & set(data):
                raise
            data = {key: value for key, value in data.items() if key not in bad}
    return model.model_validate({})
