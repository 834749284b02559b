"""Shoppers: WeChat login, profile (with their orders' counts), favorites and browse history
(the address book is `xiaodian.addresses`)."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.auth import identity
from xiaodian.auth.service import issue_token
from xiaodian.catalog.errors import GoodsNotFound
from xiaodian.catalog.queries import cards_by_id
from xiaodian.context import AppContext
from xiaodian.core import clock, urls
from xiaodian.core.db import affected
from xiaodian.core.pagination import Page, offset_of
from xiaodian.core.security import hash_token
from xiaodian.coupons import service as coupons
from xiaodian.integrations.wechat import login as wechat_login
from xiaodian.media.errors import own_image_path
from xiaodian.models import Favorite, Footprint, Goods, User
from xiaodian.orders import service as orders
from xiaodian.users.errors import (
    InvalidLoginCode,
    LoginBlocked,
    LoginRateLimited,
    WeChatBusy,
    WeChatError,
)
from xiaodian.users.schemas import (
    FavoriteOut,
    FootprintOut,
    LoginOut,
    MeOut,
    MePatch,
    UserOut,
)

log = logging.getLogger(__name__)

DEFAULT_NICKNAME = "微信用户"
MAX_FOOTPRINTS = 100

_LOGIN_ERRORS = {
    wechat_login.INVALID_CODE: InvalidLoginCode,
    wechat_login.CODE_USED: InvalidLoginCode,
    wechat_login.RATE_LIMITED: LoginRateLimited,
    wechat_login.HIGH_RISK_USER: LoginBlocked,
    wechat_login.SYSTEM_BUSY: WeChatBusy,
}


async def login_with_wechat(context: AppContext, *, code: str) -> LoginOut:
    """Exchange the `wx.login` code, create the shopper on first login, issue a token.

    WeChat is asked before any transaction opens, so a slow WeChat holds no locks.
    """
    settings = context.settings
    try:
        wechat = await wechat_login.code_to_session(
            context.http,
            base_url=settings.wechat_api_base,
            appid=settings.wechat_appid,
            secret=settings.wechat_secret,
            code=code,
        )
    except wechat_login.WeChatLoginError as error:
        log.info("wechat login refused", extra={"errcode": error.errcode})
        raise _LOGIN_ERRORS.get(error.errcode, WeChatError)() from error
    except wechat_login.WeChatUnreachable as error:
        log.warning("wechat login unreachable: %s", error)
        raise WeChatBusy("暂时无法连接微信，请稍后重试") from error

    async with context.db.transaction() as session:
        user = await _user_by_openid(session, wechat.openid)
        if user is None:
            user = await _create_user(session, wechat.openid)
            await coupons.grant_new_user_coupons(session, user_id=user.id)
        if user.is_blocked:
            raise LoginBlocked("账号已被停用")
        user.session_key = wechat.session_key
        user.unionid = wechat.unionid or user.unionid
        user.last_login_at = clock.now()
        issued = await issue_token(
            session, subject="user", subject_id=user.id, ttl=timedelta(days=settings.token_ttl_days)
        )
        answer = LoginOut(
            token=issued.token,
            expires_at=issued.expires_at,
            user=UserOut(
                id=user.id, nickname=user.nickname, avatar_url=urls.own_media(user.avatar_url)
            ),
        )
    # after the commit: the flash gate may trust the mirror, never a token that was not kept
    await identity.remember(context.redis, hash_token(issued.token), answer.user.id)
    return answer


async def _user_by_openid(session: AsyncSession, openid: str) -> User | None:
    return await session.scalar(select(User).where(User.openid == openid).with_for_update())


async def _create_user(session: AsyncSession, openid: str) -> User:
    """Insert the shopper; if a simultaneous first login won the race, use theirs."""
    try:
        async with session.begin_nested():
            user = User(openid=openid, nickname=DEFAULT_NICKNAME)
            session.add(user)
            await session.flush()
            return user
    except IntegrityError:
        existing = await _user_by_openid(session, openid)
        if existing is None:
            raise
        return existing


async def me(session: AsyncSession, *, user: User) -> MeOut:
    counts = await orders.status_counts(session, user_id=user.id)
    return MeOut(
        id=user.id,
        nickname=user.nickname,
        avatar_url=urls.own_media(user.avatar_url),
        phone=user.phone,
        created_at=user.created_at,
        order_counts=counts,
    )


async def update_me(session: AsyncSession, *, user: User, patch: MePatch) -> MeOut:
    """Nickname and avatar; an avatar must be an image uploaded to this shop (or "" for none)."""
    for field, value in patch.model_dump(exclude_unset=True).items():
        if field == "avatar_url" and value:
            value = own_image_path(value, field="avatar_url")
        if value is not None:
            setattr(user, field, value)
    await session.flush()
    return await me(session, user=user)


# ---- favorites ----


async def is_favorite(session: AsyncSession, *, user_id: int, goods_id: int) -> bool:
    found = await session.scalar(
        select(Favorite.id).where(Favorite.user_id == user_id, Favorite.goods_id == goods_id)
    )
    return found is not None


async def add_favorite(session: AsyncSession, *, user_id: int, goods_id: int) -> None:
    """Idempotent: favoriting twice keeps one row."""
    exists = await session.scalar(
        select(Goods.id).where(Goods.id == goods_id, Goods.deleted_at.is_(None))
    )
    if exists is None:
        raise GoodsNotFound()
    if await is_favorite(session, user_id=user_id, goods_id=goods_id):
        return
    try:
        async with session.begin_nested():
            session.add(Favorite(user_id=user_id, goods_id=goods_id))
            await session.flush()
    except IntegrityError:
        return


async def remove_favorite(session: AsyncSession, *, user_id: int, goods_id: int) -> None:
    await session.execute(
        delete(Favorite).where(Favorite.user_id == user_id, Favorite.goods_id == goods_id)
    )


async def list_favorites(
    session: AsyncSession, *, user_id: int, page: int, page_size: int
) -> Page[FavoriteOut]:
    total = (
        await session.scalar(select(func.count(Favorite.id)).where(Favorite.user_id == user_id))
        or 0
    )
    rows = (
        await session.execute(
            select(Favorite.goods_id, Favorite.created_at)
            .where(Favorite.user_id == user_id)
            .order_by(Favorite.created_at.desc(), Favorite.id.desc())
            .offset(offset_of(page, page_size))
            .limit(page_size)
        )
    ).all()
    cards = await cards_by_id(session, [goods_id for goods_id, _ in rows])
    items = [
        FavoriteOut(goods=cards[goods_id], created_at=created_at)
        for goods_id, created_at in rows
        if goods_id in cards
    ]
    return Page[FavoriteOut](items=items, total=total, page=page, page_size=page_size)


# ---- footprints ----


async def record_footprint(context: AppContext, *, user_id: int, goods_id: int) -> None:
    """Remember that the shopper looked at the goods (runs after the response, own transaction).

    History is a convenience: if the write loses a race or the database is busy, it is skipped.
    """
    try:
        async with context.db.transaction() as session:
            updated = await session.execute(
                update(Footprint)
                .where(Footprint.user_id == user_id, Footprint.goods_id == goods_id)
                .values(viewed_at=clock.now())
            )
            if affected(updated) == 0:
                session.add(Footprint(user_id=user_id, goods_id=goods_id, viewed_at=clock.now()))
                await session.flush()
                await _trim_footprints(session, user_id)
    except IntegrityError:
        return
    except Exception:
        log.warning("footprint not recorded", exc_info=True)


async def _trim_footprints(session: AsyncSession, user_id: int) -> None:
    cutoff = await session.scalar(
        select(Footprint.viewed_at)
        .where(Footprint.user_id == user_id)
        .order_by(Footprint.viewed_at.desc())
        .offset(MAX_FOOTPRINTS)
        .limit(1)
    )
    if cutoff is not None:
        await session.execute(
            delete(Footprint).where(Footprint.user_id == user_id, Footprint.viewed_at <= cutoff)
        )


async def list_footprints(
    session: AsyncSession, *, user_id: int, page: int, page_size: int
) -> Page[FootprintOut]:
    total = (
        await session.scalar(select(func.count(Footprint.id)).where(Footprint.user_id == user_id))
        or 0
    )
    rows = (
        await session.execute(
            select(Footprint.goods_id, Footprint.viewed_at)
            .where(Footprint.user_id == user_id)
            .order_by(Footprint.viewed_at.desc(), Footprint.id.desc())
            .offset(offset_of(page, page_size))
            .limit(page_size)
        )
    ).all()
    cards = await cards_by_id(session, [goods_id for goods_id, _ in rows])
    items = [
        FootprintOut(goods=cards[goods_id], viewed_at=viewed_at)
        for goods_id, viewed_at in rows
        if goods_id in cards
    ]
    return Page[FootprintOut](items=items, total=total, page=page, page_size=page_size)


async def clear_footprints(
    session: AsyncSession, *, user_id: int, goods_id: int | None = None
) -> None:
    statement = delete(Footprint).where(Footprint.user_id == user_id)
    if goods_id is not None:
        statement = statement.where(Footprint.goods_id == goods_id)
    await session.execute(statement)
