"""The console's routes. `SECTIONS` is the registry: order here is order in the nav (within
each group); a new feature adds its module's `section` to it."""

from __future__ import annotations

from fastapi import APIRouter

from xiaodian.console.routes import (
    account,
    aftersale,
    alerts,
    auth,
    banners,
    categories,
    coupons,
    dashboard,
    delivery,
    flash,
    goods,
    goods_import,
    groupbuy,
    integrations,
    media,
    oplog,
    orders,
    reports,
    reviews,
    settings,
    staff,
    wechat,
)
from xiaodian.console.sections import Section

SECTIONS: tuple[Section, ...] = (
    dashboard.section,
    reports.section,
    goods.section,
    categories.section,
    banners.section,
    coupons.section,
    coupons.promotions_section,
    orders.section,
    delivery.section,
    aftersale.refunds_section,
    aftersale.anomalies_section,
    reviews.section,
    reports.customers_section,
    flash.section,
    groupbuy.section,
    staff.section,
    oplog.section,
    integrations.section,
    settings.section,
    wechat.section,
)

# Routes that are no nav entry of their own.
EXTRA_ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    account.router,
    media.router,
    alerts.router,
    goods_import.router,
)
