"""商品 CSV 导入: a file with the goods export's columns, previewed line by line (new, changed
old → new, unchanged, or the line's error), then imported all at once or not at all."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import Response

from xiaodian.auth.permissions import Permission
from xiaodian.catalog import goods_import
from xiaodian.catalog.export import HEADER
from xiaodian.console.forms import attempt, text
from xiaodian.console.rendering import redirect, render
from xiaodian.console.security import console_permitted, read_form
from xiaodian.core.errors import ShopError
from xiaodian.deps import SessionDep, context_of
from xiaodian.models import AdminUser
from xiaodian.oplog.service import ConsoleOrigin

router = APIRouter()
ConsoleGoods = Annotated[AdminUser, console_permitted(Permission.GOODS)]
EXAMPLE = ",".join(HEADER) + "\n,小番茄,蔬菜,红 / 500g,,TOM-R,9.90,0,20,,是,是\n"


def _page(
    request: Request,
    *,
    lines: list[goods_import.ImportLine] | None,
    csv_text: str,
    error: str,
    status_code: int = 200,
) -> Response:
    bad = sum(1 for line in lines or [] if line.error)
    return render(
        request,
        "goods/import.html",
        status_code=status_code,
        section="goods",
        lines=lines,
        csv_text=csv_text,
        example=EXAMPLE,
        error=error,
        bad=bad,
        creates=sum(1 for line in lines or [] if line.action == "create"),
        updates=sum(1 for line in lines or [] if line.action == "update"),
    )


@router.get("/goods-import")
async def import_page(request: Request, _admin: ConsoleGoods) -> Response:
    return _page(request, lines=None, csv_text="", error="")


async def _import_text(request: Request) -> str:
    form = await read_form(request)
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        return goods_import.decode(await upload.read(goods_import.MAX_BYTES + 1))
    return text(form, "csv")


@router.post("/goods-import")
async def import_preview(request: Request, admin: ConsoleGoods, session: SessionDep) -> Response:
    """The preview: every line with what it creates or changes, or its error; nothing changes."""
    csv_text, lines, error = "", None, ""
    try:
        csv_text = await _import_text(request)
        lines = await goods_import.preview(session, admin=admin, lines=goods_import.parse(csv_text))
    except ShopError as refused:
        error = refused.message
    bad = any(line.error for line in lines or [])
    return _page(
        request,
        lines=lines,
        csv_text=csv_text,
        error=error,
        status_code=422 if error or bad else 200,
    )


@router.post("/goods-import/apply")
async def import_apply(
    request: Request, admin: ConsoleGoods, origin: ConsoleOrigin, session: SessionDep
) -> Response:
    """Import every line in one go, or none (the preview is shown again with the errors)."""
    csv_text = text(await read_form(request), "csv")
    context = context_of(request)
    lines: list[goods_import.ImportLine] | None = None
    error = ""
    try:
        lines = goods_import.parse(csv_text)
    except ShopError as refused:
        error = refused.message
    if lines is not None:
        parsed = lines
        done, errors = await attempt(
            session,
            lambda: goods_import.apply(
                session, admin=admin, origin=origin, lines=parsed, near_cache=context.near_cache
            ),
        )
        if done is not None:
            created = sum(1 for line in done if line.action == "create")
            changed = sum(1 for line in done if line.action == "update")
            flash = f"已导入：新建 {created} 个规格，修改 {changed} 个规格"
            return redirect(request, "/goods", flash=flash)
        error = next(iter(errors.values()), "导入失败")
        await goods_import.check(session, lines)
    return _page(request, lines=lines, csv_text=csv_text, error=error, status_code=422)
