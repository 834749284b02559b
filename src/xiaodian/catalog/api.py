"""Shopper catalog routes: home, categories, goods list, goods detail, reviews."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Query, Request

from xiaodian.auth.deps import CurrentUser, bearer_token, user_from_request
from xiaodian.catalog import hot, restock, service, viewers
from xiaodian.catalog.schemas import (
    CategoryOut,
    GoodsDetail,
    GoodsListPage,
    GoodsQuery,
    HomeOut,
    RestockReminderIn,
    RestockRemindersOut,
    SearchKeywords,
    SuggestKeyword,
)
from xiaodian.core.pagination import Page, PageNumber, PageSize
from xiaodian.core.responses import RawJSONResponse
from xiaodian.core.types import Id
from xiaodian.deps import ContextDep, IdPath, SessionDep, query_model, query_parameters
from xiaodian.reviews import service as reviews
from xiaodian.reviews.schemas import ReviewOut

router = APIRouter(tags=["catalog"])


@router.get("/home", response_model=HomeOut)
async def home(context: ContextDep) -> Any:
    return RawJSONResponse(await service.home_json(context))


@router.get("/categories", response_model=list[CategoryOut])
async def categories(context: ContextDep) -> Any:
    return RawJSONResponse(await service.categories_json(context))


@router.get("/goods", response_model=GoodsListPage, openapi_extra=query_parameters(GoodsQuery))
async def goods_list(
    context: ContextDep,
    query: Annotated[GoodsQuery, query_model(GoodsQuery)],
    background: BackgroundTasks,
) -> Any:
    """A keyword's first page counts as one search of it (after the answer is sent)."""
    if query.q and query.page == 1:
        background.add_task(hot.note_search, context, query.q)
    return RawJSONResponse(await service.goods_page_json(context, query))


@router.get("/search/hot", response_model=SearchKeywords)
async def search_hot(context: ContextDep) -> Any:
    return RawJSONResponse(await hot.hot_json(context))


@router.get("/search/suggestions", response_model=SearchKeywords)
async def search_suggestions(context: ContextDep, q: Annotated[SuggestKeyword, Query()]) -> Any:
    return RawJSONResponse(await hot.suggestions_json(context, q))


@router.get("/goods/{goods_id}", response_model=GoodsDetail)
async def goods_detail(
    goods_id: IdPath, request: Request, context: ContextDep, background: BackgroundTasks
) -> Any:
    """Anonymous callers get the cached answer without touching the database; a logged-in
    shopper also learns whether it is a favorite, and the view goes into their footprints."""
    detail, anonymous = await service.cached_goods_detail(context, goods_id)
    if bearer_token(request) is None:
        return RawJSONResponse(anonymous)
    viewer = viewers.viewer()
    async with context.db.transaction(write=False) as session:
        user = await user_from_request(session, request)
        favorite = await viewer.is_favorite(session, user_id=user.id, goods_id=goods_id)
    background.add_task(viewer.record_view, context, user_id=user.id, goods_id=goods_id)
    return detail.model_copy(update={"is_favorite": favorite})


@router.get("/goods/{goods_id}/reviews", response_model=Page[ReviewOut])
async def goods_reviews(
    goods_id: IdPath,
    session: SessionDep,
    page: Annotated[PageNumber, Query()] = 1,
    page_size: Annotated[PageSize, Query()] = 10,
) -> Page[ReviewOut]:
    return await reviews.goods_reviews(session, goods_id=goods_id, page=page, page_size=page_size)


@router.post("/restock-reminders", status_code=201, response_model=RestockRemindersOut)
async def remind_me(
    body: RestockReminderIn, user: CurrentUser, session: SessionDep
) -> RestockRemindersOut:
    """到货提醒 for a sold-out SKU; answers the goods item's SKUs the shopper now waits for."""
    await restock.remind(session, user_id=user.id, sku_id=body.sku_id)
    goods_id = await restock.goods_of(session, sku_id=body.sku_id)
    return RestockRemindersOut(
        sku_ids=await restock.waiting_skus(session, user_id=user.id, goods_id=goods_id)
    )


@router.get("/restock-reminders", response_model=RestockRemindersOut)
async def my_reminders(
    user: CurrentUser, session: SessionDep, goods_id: Annotated[Id, Query()]
) -> RestockRemindersOut:
    return RestockRemindersOut(
        sku_ids=await restock.waiting_skus(session, user_id=user.id, goods_id=goods_id)
    )
