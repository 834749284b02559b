"""The signed-in merchant's own account: changing their password.

The current password is required; every other session and API token of the account ends, and
this browser continues on a fresh session (the old session cookie ends with the others).
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response

from xiaodian.admins import merchant
from xiaodian.admins import service as admins
from xiaodian.admins.schemas import PasswordChange
from xiaodian.console.forms import FORM_ERROR, FieldErrors, shop_error, validate
from xiaodian.console.rendering import redirect, render
from xiaodian.console.security import ConsoleAdmin, read_form, set_session_cookie
from xiaodian.core.errors import ShopError
from xiaodian.deps import context_of
from xiaodian.oplog.service import ConsoleOrigin

router = APIRouter()
PAGE = "/account/password"
CHANGED = "密码已修改，其他设备上的登录已全部退出"
PASSWORD_FIELDS = ("current_password", "new_password", "confirm_password")


def _page(request: Request, errors: FieldErrors, status_code: int = 200) -> Response:
    return render(request, "account/password.html", status_code=status_code, errors=errors)


@router.get(PAGE)
async def password_page(request: Request, _admin: ConsoleAdmin) -> Response:
    return _page(request, {})


def _raw(value: object) -> str:
    """A password exactly as typed (never stripped: spaces are characters too)."""
    return value if isinstance(value, str) else ""


def _parse(form: dict[str, str]) -> tuple[PasswordChange | None, FieldErrors]:
    """The API's rules (`PasswordChange`), plus the new password typed twice alike."""
    change, errors = validate(PasswordChange, form)
    if change is not None and form["confirm_password"] != change.new_password:
        return None, {"confirm_password": "两次输入的新密码不一致"}
    return change, errors


@router.post(PAGE)
async def change_password(request: Request, admin: ConsoleAdmin, origin: ConsoleOrigin) -> Response:
    form = await read_form(request)
    typed = {name: _raw(form.get(name)) for name in PASSWORD_FIELDS}
    change, errors = _parse(typed)
    if change is None:
        return _page(request, errors or {FORM_ERROR: "请填写完整"}, status_code=422)
    context = context_of(request)
    ttl = timedelta(hours=context.settings.admin_token_ttl_hours)
    try:
        issued = await admins.change_password(
            context.db,
            admin_id=admin.id,
            current_password=change.current_password,
            new_password=change.new_password,
            new_session_ttl=ttl,
            audit=lambda session: merchant.password_changed(session, admin=admin, origin=origin),
        )
    except ShopError as error:
        return _page(request, shop_error(error), status_code=error.status_code)
    response = redirect(request, "/", flash=CHANGED)
    if issued is not None:
        set_session_cookie(request, response, token=issued.token, ttl=ttl)
    return response
