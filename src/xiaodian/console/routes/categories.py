"""Categories, two levels: the tree, add, edit, delete (only when empty)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from xiaodian.catalog import admin_service as catalog
from xiaodian.catalog import merchant
from xiaodian.catalog.schemas import AdminCategoryOut, CategoryIn, CategoryPatch
from xiaodian.console.forms import FieldErrors, attempt, checked, text, validate
from xiaodian.console.rendering import media_path, redirect, render
from xiaodian.console.sections import Section
from xiaodian.console.security import ConsoleAdmin, read_form
from xiaodian.core.errors import NotFound
from xiaodian.deps import IdPath, SessionDep, context_of
from xiaodian.oplog.service import ConsoleOrigin

router = APIRouter()
section = Section(
    key="categories",
    title="商品分类",
    path="/categories",
    icon="categories",
    group="商品",
    router=router,
)
FIELDS = ("name", "parent_id", "icon_url", "sort_order")


def _values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {field: text(form, field) for field in FIELDS}
    values["is_visible"] = checked(form, "is_visible")
    return values


def _data(values: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in values.items() if v != ""}
    data["parent_id"] = values["parent_id"] or None
    return data


def _find(tree: list[AdminCategoryOut], category_id: int) -> AdminCategoryOut:
    for parent in tree:
        for node in (parent, *parent.children):
            if node.id == category_id:
                return node
    raise NotFound("分类不存在")


async def _page(
    request: Request,
    session: SessionDep,
    *,
    values: dict[str, Any],
    errors: FieldErrors,
    editing: AdminCategoryOut | None = None,
    status_code: int = 200,
) -> Response:
    tree = await catalog.category_tree(session)
    return render(
        request,
        "categories.html",
        status_code=status_code,
        section="categories",
        tree=tree,
        parents=[c for c in tree if editing is None or c.id != editing.id],
        editing=editing,
        values=values,
        errors=errors,
    )


@router.get("/categories")
async def categories(request: Request, _admin: ConsoleAdmin, session: SessionDep) -> Response:
    blank = {"name": "", "parent_id": "", "icon_url": "", "sort_order": "0", "is_visible": True}
    return await _page(request, session, values=blank, errors={})


@router.post("/categories")
async def create_category(
    request: Request, admin: ConsoleAdmin, origin: ConsoleOrigin, session: SessionDep
) -> Response:
    values = _values(await read_form(request))
    data, errors = validate(CategoryIn, _data(values))
    if data is not None:
        context = context_of(request)
        created, errors = await attempt(
            session,
            lambda: merchant.create_category(
                session, admin=admin, origin=origin, data=data, near_cache=context.near_cache
            ),
        )
        if created is not None:
            return redirect(request, "/categories", flash=f"已添加分类「{created.name}」")
    return await _page(request, session, values=values, errors=errors, status_code=422)


@router.get("/categories/{category_id}")
async def edit_category(
    category_id: IdPath, request: Request, _admin: ConsoleAdmin, session: SessionDep
) -> Response:
    category = _find(await catalog.category_tree(session), category_id)
    values = {
        "name": category.name,
        "parent_id": str(category.parent_id or ""),
        "icon_url": media_path(category.icon_url),
        "sort_order": str(category.sort_order),
        "is_visible": category.is_visible,
    }
    return await _page(request, session, values=values, errors={}, editing=category)


@router.post("/categories/{category_id}")
async def update_category(
    category_id: IdPath,
    request: Request,
    admin: ConsoleAdmin,
    origin: ConsoleOrigin,
    session: SessionDep,
) -> Response:
    editing = _find(await catalog.category_tree(session), category_id)
    values = _values(await read_form(request))
    patch, errors = validate(CategoryPatch, _data(values))
    if patch is not None:
        context = context_of(request)
        saved, errors = await attempt(
            session,
            lambda: merchant.update_category(
                session,
                admin=admin,
                origin=origin,
                category_id=category_id,
                patch=patch,
                near_cache=context.near_cache,
            ),
        )
        if saved is not None:
            return redirect(request, "/categories", flash=f"已保存分类「{saved.name}」")
    return await _page(
        request, session, values=values, errors=errors, editing=editing, status_code=422
    )


@router.post("/categories/{category_id}/delete")
async def delete_category(
    category_id: IdPath,
    request: Request,
    admin: ConsoleAdmin,
    origin: ConsoleOrigin,
    session: SessionDep,
) -> Response:
    context = context_of(request)
    _, errors = await attempt(
        session,
        lambda: merchant.delete_category(
            session,
            admin=admin,
            origin=origin,
            category_id=category_id,
            near_cache=context.near_cache,
        ),
    )
    if errors:
        return redirect(request, "/categories", flash=next(iter(errors.values())))
    return redirect(request, "/categories", flash="分类已删除")
