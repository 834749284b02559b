"""Staff accounts (owner only): list, create, change role, disable or enable, reset password."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from xiaodian.admins import merchant
from xiaodian.admins import service as admins
from xiaodian.admins.schemas import AdminCreate, AdminPatch
from xiaodian.auth.permissions import PERMISSION_TEXT, ROLE_TEXT
from xiaodian.console.forms import FieldErrors, attempt, text, validate
from xiaodian.console.rendering import redirect, render
from xiaodian.console.sections import Section
from xiaodian.console.security import ConsoleOwner, read_form
from xiaodian.deps import IdPath, SessionDep
from xiaodian.oplog.service import ConsoleOrigin

router = APIRouter()
section = Section(
    key="staff",
    title="员工账号",
    path="/staff",
    icon="staff",
    group="店铺",
    router=router,
    owner_only=True,
)
ROLES = {role.value: text_ for role, text_ in ROLE_TEXT.items()}
PERMISSIONS = {p.value: text_ for p, text_ in PERMISSION_TEXT.items()}
ACTIONS = {
    "role": "角色已修改",
    "disable": "账号已停用，已在所有设备上退出",
    "enable": "账号已启用",
    "password": "密码已重置，该账号需要重新登录",
    "permissions": "权限已修改",
}


async def _page(
    request: Request,
    session: SessionDep,
    *,
    values: dict[str, str],
    errors: FieldErrors,
    row_errors: dict[int, FieldErrors] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "staff.html",
        status_code=status_code,
        section="staff",
        accounts=await admins.list_admins(session),
        roles=ROLES,
        permissions=PERMISSIONS,
        values=values,
        errors=errors,
        row_errors=row_errors or {},
    )


@router.get("/staff")
async def staff(request: Request, _owner: ConsoleOwner, session: SessionDep) -> Response:
    values = {"username": "", "display_name": "", "role": "staff"}
    return await _page(request, session, values=values, errors={})


@router.post("/staff")
async def create_account(
    request: Request, owner: ConsoleOwner, origin: ConsoleOrigin, session: SessionDep
) -> Response:
    form = await read_form(request)
    values = {name: text(form, name) for name in ("username", "display_name", "role")}
    data: dict[str, Any] = {k: v for k, v in values.items() if v}
    data["password"] = form.get("password", "")
    if values["role"] == "custom":
        data["permissions"] = form.getlist("permissions")
    account, errors = validate(AdminCreate, data)
    if account is not None:
        created, errors = await attempt(
            session,
            lambda: merchant.create_admin(session, owner=owner, origin=origin, data=account),
        )
        if created is not None:
            return redirect(request, "/staff", flash=f"已创建账号 {created.username}")
    if errors.get("username") == "格式不正确":
        errors["username"] = "只能用字母、数字、下划线、点和短横线"
    return await _page(request, session, values=values, errors=errors, status_code=422)


def _patch(action: str, form: Any) -> dict[str, Any]:
    match action:
        case "role":
            return {"role": text(form, "role")}
        case "permissions":
            return {"role": "custom", "permissions": form.getlist("permissions")}
        case "disable" | "enable":
            return {"is_active": action == "enable"}
        case "password":
            return {"password": form.get("password", "")}
    return {}


@router.post("/staff/{admin_id}")
async def update_account(
    admin_id: IdPath,
    request: Request,
    owner: ConsoleOwner,
    origin: ConsoleOrigin,
    session: SessionDep,
) -> Response:
    form = await read_form(request)
    action = text(form, "action")
    patch, errors = validate(AdminPatch, _patch(action, form))
    if patch is not None and action in ACTIONS:
        saved, errors = await attempt(
            session,
            lambda: merchant.update_admin(
                session, owner=owner, origin=origin, admin_id=admin_id, patch=patch
            ),
        )
        if saved is not None:
            return redirect(request, "/staff", flash=f"{saved.username}：{ACTIONS[action]}")
    values = {"username": "", "display_name": "", "role": "staff"}
    return await _page(
        request,
        session,
        values=values,
        errors={},
        row_errors={admin_id: errors or {"__all__": "未知操作"}},
        status_code=422,
    )
