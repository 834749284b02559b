"""Reviews: written once per order line after completion, read on goods pages, moderated."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.core import clock, urls
from xiaodian.core.db import affected
from xiaodian.core.nearcache import NearCache
from xiaodian.core.pagination import Page, offset_of
from xiaodian.events import emit
from xiaodian.media.errors import own_image_path
from xiaodian.models import Goods, Order, OrderLine, Review, User
from xiaodian.reviews.errors import AlreadyReviewed, NotReviewable, ReviewNotFound
from xiaodian.reviews.events import ReviewsChanged
from xiaodian.reviews.schemas import (
    AdminReviewQuery,
    LineReviewIn,
    ReviewAdminOut,
    ReviewOut,
    ReviewSummary,
    ReviewUser,
)
from xiaodian.wechat.vocabulary import HELD, Moderation

REVIEWABLE_STATUSES = ("completed",)


def _out(review: Review, user: User | None) -> ReviewOut:
    return ReviewOut(
        id=review.id,
        user=ReviewUser(
            nickname=(user.nickname if user and user.nickname else "微信用户"),
            avatar_url=urls.own_media(user.avatar_url) if user else "",
        ),
        score=review.score,
        content=review.content,
        images=[url for url in map(urls.own_media, review.images or []) if url],
        spec_text=review.spec_text,
        reply=review.reply,
        created_at=review.created_at,
    )


async def summary(session: AsyncSession, *, goods_id: int) -> ReviewSummary:
    count, average = (
        await session.execute(
            select(func.count(Review.id), func.avg(Review.score)).where(
                Review.goods_id == goods_id, Review.is_hidden.is_(False)
            )
        )
    ).one()
    return ReviewSummary(
        count=int(count), average_score=round(float(average), 1) if average is not None else None
    )


async def recent(session: AsyncSession, *, goods_id: int, limit: int) -> list[ReviewOut]:
    rows = await session.execute(
        select(Review, User)
        .join(User, User.id == Review.user_id)
        .where(Review.goods_id == goods_id, Review.is_hidden.is_(False))
        .order_by(Review.created_at.desc(), Review.id.desc())
        .limit(limit)
    )
    return [_out(review, user) for review, user in rows]


async def goods_reviews(
    session: AsyncSession, *, goods_id: int, page: int, page_size: int
) -> Page[ReviewOut]:
    total = (
        await session.scalar(
            select(func.count(Review.id)).where(
                Review.goods_id == goods_id, Review.is_hidden.is_(False)
            )
        )
        or 0
    )
    rows = await session.execute(
        select(Review, User)
        .join(User, User.id == Review.user_id)
        .where(Review.goods_id == goods_id, Review.is_hidden.is_(False))
        .order_by(Review.created_at.desc(), Review.id.desc())
        .offset(offset_of(page, page_size))
        .limit(page_size)
    )
    return Page[ReviewOut](
        items=[_out(r, u) for r, u in rows], total=total, page=page, page_size=page_size
    )


async def write_reviews(
    session: AsyncSession,
    *,
    user: User,
    order: Order,
    lines: Sequence[OrderLine],
    reviews: Sequence[LineReviewIn],
    near_cache: NearCache,
    moderation: Sequence[Moderation] | None = None,
) -> list[ReviewOut]:
    """Review lines of a completed order; each line at most once, ever (also under races).
    Photos must be images uploaded to this shop. `moderation` is content security's verdict
    per review (in order): anything but PASS is hidden until the merchant approves it."""
    if order.status not in REVIEWABLE_STATUSES:
        raise NotReviewable("订单完成后才能评价")
    by_id = {line.id: line for line in lines}
    if len({r.line_id for r in reviews}) != len(reviews):
        raise NotReviewable("同一商品只能评价一次")
    created: list[Review] = []
    for position, item in enumerate(reviews):
        images = [
            own_image_path(url, field=f"reviews.{position}.images.{index}")
            for index, url in enumerate(item.images)
        ]
        verdict = moderation[position] if moderation else Moderation.PASS
        line = by_id.get(item.line_id)
        if line is None:
            raise ReviewNotFound("订单中没有这件商品")
        marked = await session.execute(
            update(OrderLine)
            .where(OrderLine.id == line.id, OrderLine.is_reviewed.is_(False))
            .values(is_reviewed=True)
        )
        if affected(marked) != 1:
            raise AlreadyReviewed()
        review = Review(
            order_id=order.id,
            order_line_id=line.id,
            goods_id=line.goods_id,
            sku_id=line.sku_id,
            user_id=user.id,
            spec_text=line.spec_text,
            score=item.score,
            content=item.content,
            images=images,
            moderation=verdict,
            is_hidden=verdict != Moderation.PASS,
        )
        session.add(review)
        created.append(review)
    try:
        await session.flush()
    except IntegrityError as error:
        raise AlreadyReviewed() from error
    await emit(session, ReviewsChanged(goods_ids=tuple(sorted({r.goods_id for r in created}))))
    return [_out(review, user) for review in created]


async def admin_list(session: AsyncSession, query: AdminReviewQuery) -> Page[ReviewAdminOut]:
    conditions = []
    if query.goods_id is not None:
        conditions.append(Review.goods_id == query.goods_id)
    if query.score is not None:
        conditions.append(Review.score == query.score)
    if query.hidden is not None:
        conditions.append(Review.is_hidden.is_(query.hidden))
    if query.unreplied:
        conditions.append(Review.reply == "")
    if query.held is not None:
        held = Review.moderation.in_(HELD) & Review.is_hidden.is_(True)
        conditions.append(held if query.held else ~held)
    total = await session.scalar(select(func.count(Review.id)).where(*conditions)) or 0
    rows = await session.execute(
        select(Review, User, Goods.title)
        .join(User, User.id == Review.user_id)
        .join(Goods, Goods.id == Review.goods_id)
        .where(*conditions)
        .order_by(Review.id.desc())
        .offset(offset_of(query.page, query.page_size))
        .limit(query.page_size)
    )
    return Page[ReviewAdminOut](
        items=[_admin_out(review, user, title) for review, user, title in rows],
        total=total,
        page=query.page,
        page_size=query.page_size,
    )


def _admin_out(review: Review, user: User, goods_title: str) -> ReviewAdminOut:
    return ReviewAdminOut(
        **_out(review, user).model_dump(),
        goods_id=review.goods_id,
        goods_title=goods_title,
        order_id=review.order_id,
        is_hidden=review.is_hidden,
        moderation=review.moderation,
        replied_at=review.replied_at,
    )


async def _get(session: AsyncSession, review_id: int) -> tuple[Review, User, str]:
    row = (
        await session.execute(
            select(Review, User, Goods.title)
            .join(User, User.id == Review.user_id)
            .join(Goods, Goods.id == Review.goods_id)
            .where(Review.id == review_id)
        )
    ).first()
    if row is None:
        raise ReviewNotFound()
    return row[0], row[1], row[2]


async def reply(
    session: AsyncSession, *, review_id: int, text: str, near_cache: NearCache
) -> ReviewAdminOut:
    review, user, title = await _get(session, review_id)
    await emit(session, ReviewsChanged(goods_ids=(review.goods_id,)))
    review.reply = text
    review.replied_at = clock.now() if text else None
    await session.flush()
    return _admin_out(review, user, title)


async def set_hidden(
    session: AsyncSession, *, review_id: int, hidden: bool, near_cache: NearCache
) -> ReviewAdminOut:
    review, user, title = await _get(session, review_id)
    await emit(session, ReviewsChanged(goods_ids=(review.goods_id,)))
    review.is_hidden = hidden
    if not hidden and review.moderation in HELD:
        review.moderation = Moderation.APPROVED  # the merchant read it and let it show
    await session.flush()
    return _admin_out(review, user, title)
