"""The shop's settings row: created on first use with defaults from the environment."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from xiaodian.config import Settings
from xiaodian.context import AppContext
from xiaodian.core.db import after_commit
from xiaodian.events import emit
from xiaodian.models import ShopSettings
from xiaodian.pricing import FreightRule
from xiaodian.shop.events import ShopSettingsChanged
from xiaodian.shop.schemas import ShopSettingsOut, ShopSettingsPatch


@functools.cache
def _settings_statement() -> Select[ShopSettings]:
    """The settings row (built once: every checkout reads it)."""
    return select(ShopSettings).order_by(ShopSettings.id).limit(1)


async def current_settings(session: AsyncSession, *, defaults: Settings) -> ShopSettings:
    """The one settings row, created from `defaults` if the shop has none yet."""
    row = (await session.execute(_settings_statement())).scalar()
    if row is None:
        row = ShopSettings(
            unpaid_timeout_minutes=defaults.unpaid_timeout_minutes,
            auto_confirm_days=defaults.auto_confirm_days,
            freight_fen=defaults.freight_fen,
            free_freight_threshold_fen=defaults.free_freight_threshold_fen,
        )
        session.add(row)
        await session.flush()
    return row


NAMESPACE = "shop"
"""The near cache's namespace for what checkout reads of the settings (forgotten in every
process when the merchant saves them)."""


@dataclass(frozen=True)
class CheckoutTerms:
    """What checkout reads of the shop's settings: the freight and how long an order waits
    to be paid."""

    unpaid_timeout_minutes: int
    freight: FreightRule


def _checkout_terms(
    unpaid_timeout_minutes: int, freight_fen: int, free_freight_threshold_fen: int
) -> CheckoutTerms:
    """The terms from the settings' columns; the freight is flat, waived from the threshold
    up (on the goods' amount after discounts; a threshold of 0 means never waived)."""
    return CheckoutTerms(
        unpaid_timeout_minutes=unpaid_timeout_minutes,
        freight=FreightRule(freight_fen=freight_fen, free_threshold_fen=free_freight_threshold_fen),
    )


@functools.cache
def _terms_statement() -> Select[int, int, int]:
    return (
        select(
            ShopSettings.unpaid_timeout_minutes,
            ShopSettings.freight_fen,
            ShopSettings.free_freight_threshold_fen,
        )
        .order_by(ShopSettings.id)
        .limit(1)
    )


async def _committed_terms(connection: AsyncConnection) -> CheckoutTerms | None:
    row = (await connection.execute(_terms_statement())).first()
    return _checkout_terms(*row) if row is not None else None


async def checkout_terms(session: AsyncSession, *, defaults: Settings) -> CheckoutTerms:
    """The settings' checkout terms from the near cache: every preview and order needs them,
    and they change when the merchant saves (`update_settings` forgets them in every process
    once that commits). A miss reads what has committed on its own autocommit connection; a
    shop without its settings row yet gets it made in this transaction (not cached until it
    has committed)."""
    context = AppContext.of(session)
    terms = await context.near_cache.get_or_load(
        NAMESPACE, "checkout", lambda: context.db.read(_committed_terms)
    )
    if terms is None:
        shop = await current_settings(session, defaults=defaults)
        terms = _checkout_terms(
            shop.unpaid_timeout_minutes, shop.freight_fen, shop.free_freight_threshold_fen
        )
    return terms


async def update_settings(
    session: AsyncSession, *, defaults: Settings, patch: ShopSettingsPatch
) -> ShopSettingsOut:
    """Save the settings; what shoppers read of them is forgotten from the caches once this
    commits (`ShopSettingsChanged`)."""
    row = await current_settings(session, defaults=defaults)
    for field, value in patch.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(row, field, value)
    await session.flush()
    near_cache = AppContext.of(session).near_cache
    after_commit(session, lambda: near_cache.invalidate(NAMESPACE))
    await emit(session, ShopSettingsChanged())
    return to_out(row)


def to_out(row: ShopSettings) -> ShopSettingsOut:
    return ShopSettingsOut.model_validate(row, from_attributes=True)
