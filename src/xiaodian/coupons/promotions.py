"""The merchant's 满减活动: tiers applied at checkout without claiming."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.core import clock
from xiaodian.coupons.checkout import forget_promotions_after_commit
from xiaodian.coupons.errors import PromotionNotFound, PromotionWindowInvalid
from xiaodian.coupons.schemas import PromotionIn, PromotionOut, PromotionPatch, ScopeIn, TierIn
from xiaodian.coupons.words import DiscountKind, PromotionStatus, ScopeType
from xiaodian.models import Order, OrderDiscount, Promotion


def _out(promotion: Promotion, orders: int = 0, given: int = 0) -> PromotionOut:
    now = clock.now()
    return PromotionOut(
        id=promotion.id,
        name=promotion.name,
        tiers=[TierIn.model_validate(tier) for tier in promotion.tiers],
        scope=ScopeIn(type=ScopeType(promotion.scope_type), ids=list(promotion.scope_ids or [])),
        starts_at=promotion.starts_at,
        ends_at=promotion.ends_at,
        status=PromotionStatus(promotion.status),
        running=promotion.status == PromotionStatus.ACTIVE
        and promotion.starts_at <= now < promotion.ends_at,
        orders=orders,
        discount_given_fen=given,
    )


def _tiers(tiers: list[TierIn]) -> list[dict[str, int]]:
    return [tier.model_dump() for tier in sorted(tiers, key=lambda t: t.threshold_fen)]


async def create_promotion(session: AsyncSession, *, data: PromotionIn) -> PromotionOut:
    promotion = Promotion(
        name=data.name,
        tiers=_tiers(data.tiers),
        scope_type=data.scope.type,
        scope_ids=sorted(set(data.scope.ids)),
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        status=PromotionStatus.ACTIVE,
    )
    session.add(promotion)
    await session.flush()
    forget_promotions_after_commit(session)
    return _out(promotion)


async def list_promotions(session: AsyncSession) -> list[PromotionOut]:
    """Every promotion with the paid orders it discounted and what it took off them."""
    promotions = (
        await session.scalars(select(Promotion).order_by(Promotion.id.desc()).limit(200))
    ).all()
    rows = await session.execute(
        select(
            OrderDiscount.source_id,
            func.count(OrderDiscount.id),
            func.coalesce(func.sum(OrderDiscount.amount_fen), 0),
        )
        .join(Order, Order.id == OrderDiscount.order_id)
        .where(OrderDiscount.kind == DiscountKind.PROMOTION, Order.paid_at.isnot(None))
        .group_by(OrderDiscount.source_id)
    )
    figures = {source: (int(count), int(given)) for source, count, given in rows}
    return [_out(p, *figures.get(p.id, (0, 0))) for p in promotions]


async def get_promotion(session: AsyncSession, *, promotion_id: int) -> PromotionOut:
    promotion = await session.get(Promotion, promotion_id)
    if promotion is None:
        raise PromotionNotFound()
    return _out(promotion)


async def update_promotion(
    session: AsyncSession, *, promotion_id: int, patch: PromotionPatch
) -> PromotionOut:
    promotion = await session.get(Promotion, promotion_id)
    if promotion is None:
        raise PromotionNotFound()
    changes = patch.model_dump(exclude_unset=True)
    if patch.tiers is not None:
        promotion.tiers = _tiers(patch.tiers)
    if patch.scope is not None:
        promotion.scope_type = patch.scope.type
        promotion.scope_ids = sorted(set(patch.scope.ids))
    for name in ("name", "starts_at", "ends_at", "status"):
        if name in changes and changes[name] is not None:
            setattr(promotion, name, changes[name])
    if promotion.starts_at >= promotion.ends_at:
        raise PromotionWindowInvalid()
    await session.flush()
    forget_promotions_after_commit(session)
    return _out(promotion)
