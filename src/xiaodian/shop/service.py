"""The shop's settings row: created on first use with defaults from the environment."""

from __future__ import annotations

import functools

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.config import Settings
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


def freight_rule(shop: ShopSettings) -> FreightRule:
    """The shop's freight for the pricing pipeline: flat, waived from the threshold up (on
    the goods' amount after discounts; a threshold of 0 means never waived)."""
    return FreightRule(
        freight_fen=shop.freight_fen, free_threshold_fen=shop.free_freight_threshold_fen
    )


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
    await emit(session, ShopSettingsChanged())
    return to_out(row)


def to_out(row: ShopSettings) -> ShopSettingsOut:
    return ShopSettingsOut.model_validate(row, from_attributes=True)
