"""Shopper routes: login/logout and everything under /me."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from xiaodian.auth import identity
from xiaodian.auth.deps import CurrentUser, DetachedUser, bearer_token
from xiaodian.auth.service import revoke_token
from xiaodian.core.errors import Unauthorized
from xiaodian.core.pagination import Page, PageNumber, PageSize
from xiaodian.core.security import hash_token
from xiaodian.deps import ContextDep, IdPath, SessionDep, rate_limit
from xiaodian.models import User
from xiaodian.users import service
from xiaodian.users.schemas import (
    FavoriteIn,
    FavoriteOut,
    FootprintOut,
    LoginOut,
    MeOut,
    MePatch,
    WxLoginIn,
)
from xiaodian.wechat import security
from xiaodian.wechat.errors import NicknameUnchecked
from xiaodian.wechat.vocabulary import Moderation

router = APIRouter()


@router.post(
    "/auth/wx-login",
    tags=["auth"],
    dependencies=[
        rate_limit(
            "wx-login:ip",
            lambda settings: settings.wx_login_rate_per_ip,
            message="登录太频繁，请稍后再试",
        )
    ],
)
async def wx_login(body: WxLoginIn, context: ContextDep) -> LoginOut:
    return await service.login_with_wechat(context, code=body.code)


@router.post("/auth/logout", status_code=204, tags=["auth"])
async def logout(request: Request, session: SessionDep, context: ContextDep) -> Response:
    token = bearer_token(request)
    if token is not None:
        await revoke_token(session, token=token)
        await identity.forget(context.redis, hash_token(token))
    return Response(status_code=204)


@router.get("/me", tags=["me"])
async def get_me(user: CurrentUser, session: SessionDep) -> MeOut:
    return await service.me(session, user=user)


@router.patch("/me", tags=["me"])
async def patch_me(body: MePatch, user: DetachedUser, context: ContextDep) -> MeOut:
    """A new nickname passes content security first (scene 1, no transaction open over the
    call): `risky` is 422 `content_risky`; one WeChat would have a person look at, or one that
    could not be checked, is not taken (422 `nickname_unchecked`): never shown unchecked."""
    if body.nickname and body.nickname != user.nickname:
        verdict = await security.check_text(
            context, openid=user.openid, text=body.nickname, scene=security.SCENE_PROFILE
        )
        if verdict != Moderation.PASS:
            raise NicknameUnchecked()
    async with context.db.transaction() as session:
        row = await session.get(User, user.id)
        if row is None:
            raise Unauthorized()
        return await service.update_me(session, user=row, patch=body)


@router.get("/me/favorites", tags=["me"])
async def list_favorites(
    user: CurrentUser,
    session: SessionDep,
    page: Annotated[PageNumber, Query()] = 1,
    page_size: Annotated[PageSize, Query()] = 20,
) -> Page[FavoriteOut]:
    return await service.list_favorites(session, user_id=user.id, page=page, page_size=page_size)


@router.post("/me/favorites", status_code=201, tags=["me"], response_class=Response)
async def add_favorite(body: FavoriteIn, user: CurrentUser, session: SessionDep) -> Response:
    await service.add_favorite(session, user_id=user.id, goods_id=body.goods_id)
    return Response(status_code=201)


@router.delete("/me/favorites/{goods_id}", status_code=204, tags=["me"])
async def remove_favorite(goods_id: IdPath, user: CurrentUser, session: SessionDep) -> Response:
    await service.remove_favorite(session, user_id=user.id, goods_id=goods_id)
    return Response(status_code=204)


@router.get("/me/footprints", tags=["me"])
async def list_footprints(
    user: CurrentUser,
    session: SessionDep,
    page: Annotated[PageNumber, Query()] = 1,
    page_size: Annotated[PageSize, Query()] = 20,
) -> Page[FootprintOut]:
    return await service.list_footprints(session, user_id=user.id, page=page, page_size=page_size)


@router.delete("/me/footprints", status_code=204, tags=["me"])
async def clear_footprints(user: CurrentUser, session: SessionDep) -> Response:
    await service.clear_footprints(session, user_id=user.id)
    return Response(status_code=204)


@router.delete("/me/footprints/{goods_id}", status_code=204, tags=["me"])
async def remove_footprint(goods_id: IdPath, user: CurrentUser, session: SessionDep) -> Response:
    await service.clear_footprints(session, user_id=user.id, goods_id=goods_id)
    return Response(status_code=204)
