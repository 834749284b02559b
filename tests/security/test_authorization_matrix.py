"""Who may call what, for every route of the app's route table × {anonymous, shopper A,
shopper B, staff, a role without permissions, owner, an API key per scope}.

The table below is the declaration: a route that is not in it fails the test, so a new route
cannot be added without saying who may call it. Each call is made with no body and ids that do
not exist, so an allowed caller gets past authorization (422/404/…) and a refused one is
stopped by it (401/403) before anything is read or written."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
from fastapi import FastAPI, routing

from tests import factories
from tests.security.conftest import Cast, make_cast
from xiaodian.auth.permissions import Permission
from xiaodian.auth.scopes import Scope
from xiaodian.context import AppContext


@dataclass(frozen=True)
class Access:
    """Who gets past authorization: `who` is public, optional shopper, shopper, merchant or
    owner; a merchant route may also need a role's `permission` (checked before the body is
    read, so a role without it is refused here) or let in an API key with `scope`.

    Catalog and order writes check their permission in `<domain>/merchant.py` after the body is
    parsed; tests/console/test_roles_and_log.py and test_roles below cover those."""

    who: str
    permission: Permission | None = None
    scope: Scope | None = None
    late: bool = False
    """The permission is checked in `<domain>/merchant.py` once the body is parsed, so a
    bodiless call by a role without it may be refused (403) or stopped by validation. For a
    shopper route: the token is checked by the route's own first statement, once the body is
    parsed (a missing token is refused at once), so a bodiless call with another kind of
    token may be refused (401) or stopped by validation (422); tests/cart checks the refusals
    with a valid body."""


PUBLIC = Access("public")
SIGNED_IN_OR_NOT = Access("optional shopper")
"""Public, with more in the answer for a shopper; any other token is refused as invalid."""
SHOPPER = Access("shopper")
SHOPPER_CHECKED_LATE = Access("shopper", late=True)
MERCHANT = Access("merchant")
OWNER = Access("owner")


def permission(needed: Permission) -> Access:
    return Access("merchant", permission=needed)


def checked_late(needed: Permission) -> Access:
    return Access("merchant", permission=needed, late=True)


def scope(granted: Scope) -> Access:
    return Access("merchant", scope=granted)


# fmt: off
EXPECTED: dict[str, Access] = {
    # shopper API: the catalog, promotions and sign-in are public
    "GET /api/v1/ping": PUBLIC,
    "GET /api/v1/home": PUBLIC,
    "GET /api/v1/categories": PUBLIC,
    "GET /api/v1/goods": PUBLIC,
    "GET /api/v1/goods/{goods_id}": PUBLIC,
    "GET /api/v1/goods/{goods_id}/reviews": PUBLIC,
    "GET /api/v1/coupons": SIGNED_IN_OR_NOT,
    "GET /api/v1/flash-sales": PUBLIC,
    "GET /api/v1/group-buys": PUBLIC,
    "GET /api/v1/group-buys/{campaign_id}": PUBLIC,
    "GET /api/v1/groups/{group_id}": PUBLIC,
    "GET /api/v1/search/hot": PUBLIC,
    "GET /api/v1/search/suggestions": PUBLIC,
    "POST /api/v1/auth/wx-login": PUBLIC,
    # signed by the payment channel, checked by the notification itself
    "POST /api/v1/payments/wechat/notify": PUBLIC,
    "POST /api/v1/payments/wechat/notify-v2": PUBLIC,
    "POST /api/v1/payments/alipay/notify": PUBLIC,
    # the shopper's own things
    "GET /api/v1/me": SHOPPER,
    "PATCH /api/v1/me": SHOPPER,
    "GET /api/v1/me/favorites": SHOPPER,
    "POST /api/v1/me/favorites": SHOPPER,
    "DELETE /api/v1/me/favorites/{goods_id}": SHOPPER,
    "GET /api/v1/me/footprints": SHOPPER,
    "DELETE /api/v1/me/footprints": SHOPPER,
    "DELETE /api/v1/me/footprints/{goods_id}": SHOPPER,
    "GET /api/v1/me/addresses": SHOPPER,
    "POST /api/v1/me/addresses": SHOPPER,
    "GET /api/v1/me/addresses/{address_id}": SHOPPER,
    "PATCH /api/v1/me/addresses/{address_id}": SHOPPER,
    "DELETE /api/v1/me/addresses/{address_id}": SHOPPER,
    "GET /api/v1/cart": SHOPPER,
    "POST /api/v1/cart/items": SHOPPER_CHECKED_LATE,
    "PATCH /api/v1/cart/items/{item_id}": SHOPPER_CHECKED_LATE,
    "DELETE /api/v1/cart/items/{item_id}": SHOPPER,
    "POST /api/v1/cart/select": SHOPPER,
    "POST /api/v1/orders/preview": SHOPPER,
    "POST /api/v1/orders": SHOPPER,
    "GET /api/v1/orders": SHOPPER,
    "GET /api/v1/orders/{order_id}": SHOPPER,
    "POST /api/v1/orders/{order_id}/cancel": SHOPPER,
    "POST /api/v1/orders/{order_id}/confirm": SHOPPER,
    "POST /api/v1/orders/{order_id}/reviews": SHOPPER,
    "POST /api/v1/orders/{order_id}/pay": SHOPPER,
    "POST /api/v1/orders/{order_id}/refund": SHOPPER,
    "GET /api/v1/orders/{order_id}/refunds": SHOPPER,
    "GET /api/v1/orders/{order_id}/tracking": SHOPPER,
    "GET /api/v1/orders/{order_id}/group": SHOPPER,
    "POST /api/v1/media/images": SHOPPER,
    "GET /api/v1/me/subscriptions": SHOPPER,
    "POST /api/v1/me/subscriptions": SHOPPER,
    "GET /api/v1/share-codes/{kind}/{target_id}": SHOPPER,
    "POST /api/v1/coupons/redeem": SHOPPER,
    "POST /api/v1/coupons/{coupon_id}/claim": SHOPPER,
    "GET /api/v1/me/coupons": SHOPPER,
    "POST /api/v1/flash-sales/items/{item_id}/orders": SHOPPER,
    "POST /api/v1/group-buys/{campaign_id}/groups": SHOPPER,
    "POST /api/v1/groups/{group_id}/join": SHOPPER,
    "GET /api/v1/delivery/quote": SHOPPER,
    "POST /api/v1/delivery/geocode": SHOPPER,
    "GET /api/v1/delivery/orders/{order_id}": SHOPPER,
    "GET /api/v1/flash-sales/reminders": SHOPPER,
    "POST /api/v1/flash-sales/items/{item_id}/reminder": SHOPPER,
    "POST /api/v1/refunds/{refund_id}/return-shipment": SHOPPER,
    "GET /api/v1/restock-reminders": SHOPPER,
    "POST /api/v1/restock-reminders": SHOPPER,
    "POST /api/v1/auth/logout": PUBLIC,  # revokes the token it is given, if any
    # merchant API
    "POST /api/admin/v1/auth/login": PUBLIC,
    "POST /api/admin/v1/auth/logout": PUBLIC,  # revokes the token it is given, if any
    "GET /api/admin/v1/me": MERCHANT,
    "POST /api/admin/v1/me/password": MERCHANT,
    "GET /api/admin/v1/admins": OWNER,
    "POST /api/admin/v1/admins": OWNER,
    "PATCH /api/admin/v1/admins/{admin_id}": OWNER,
    "GET /api/admin/v1/operation-logs": OWNER,
    "GET /api/admin/v1/categories": scope(Scope.CATALOG_READ),
    "POST /api/admin/v1/categories": MERCHANT,
    "PATCH /api/admin/v1/categories/{category_id}": MERCHANT,
    "DELETE /api/admin/v1/categories/{category_id}": permission(Permission.GOODS),
    "GET /api/admin/v1/goods": scope(Scope.CATALOG_READ),
    "GET /api/admin/v1/goods/{goods_id}": scope(Scope.CATALOG_READ),
    "GET /api/admin/v1/goods/export.csv": MERCHANT,
    "POST /api/admin/v1/goods": MERCHANT,
    "PUT /api/admin/v1/goods/{goods_id}": MERCHANT,
    "PATCH /api/admin/v1/goods/{goods_id}": MERCHANT,
    "DELETE /api/admin/v1/goods/{goods_id}": permission(Permission.GOODS),
    "POST /api/admin/v1/goods/{goods_id}/shelf": MERCHANT,
    "POST /api/admin/v1/goods/{goods_id}/copy": permission(Permission.GOODS),
    "POST /api/admin/v1/goods/import": permission(Permission.GOODS),
    "POST /api/admin/v1/goods-shelf": permission(Permission.GOODS),
    "PATCH /api/admin/v1/skus/{sku_id}": MERCHANT,
    "POST /api/admin/v1/skus/stock": MERCHANT,
    "POST /api/admin/v1/skus/prices": permission(Permission.PRICES_STOCK),
    "GET /api/admin/v1/banners": MERCHANT,
    "POST /api/admin/v1/banners": MERCHANT,
    "POST /api/admin/v1/banners/order": permission(Permission.MARKETING),
    "PATCH /api/admin/v1/banners/{banner_id}": MERCHANT,
    "DELETE /api/admin/v1/banners/{banner_id}": permission(Permission.MARKETING),
    "GET /api/admin/v1/orders": scope(Scope.ORDERS_READ),
    "GET /api/admin/v1/orders/{order_id}": scope(Scope.ORDERS_READ),
    "GET /api/admin/v1/orders/export.csv": MERCHANT,
    "POST /api/admin/v1/orders/{order_id}/ship": MERCHANT,
    "PATCH /api/admin/v1/orders/{order_id}/shipment": permission(Permission.SHIP),
    "POST /api/admin/v1/orders/ship-import": permission(Permission.SHIP),
    "POST /api/admin/v1/orders/{order_id}/close": MERCHANT,
    "GET /api/admin/v1/order-counts": MERCHANT,
    "GET /api/admin/v1/orders/{order_id}/tracking": MERCHANT,
    "GET /api/admin/v1/reviews": MERCHANT,
    "POST /api/admin/v1/reviews/{review_id}/reply": MERCHANT,
    "POST /api/admin/v1/reviews/{review_id}/visibility": MERCHANT,
    "GET /api/admin/v1/shop": MERCHANT,
    "PATCH /api/admin/v1/shop": OWNER,
    "POST /api/admin/v1/media/images": MERCHANT,
    "GET /api/admin/v1/refunds": MERCHANT,
    "GET /api/admin/v1/refunds/{refund_id}": MERCHANT,
    "POST /api/admin/v1/refunds/{refund_id}/approve": permission(Permission.REFUNDS),
    "POST /api/admin/v1/refunds/{refund_id}/reject": MERCHANT,
    "POST /api/admin/v1/refunds/{refund_id}/retry": permission(Permission.REFUNDS),
    "POST /api/admin/v1/refunds/{refund_id}/agree-return": checked_late(Permission.REFUNDS),
    "POST /api/admin/v1/refunds/{refund_id}/receive": checked_late(Permission.REFUNDS),
    "GET /api/admin/v1/delivery/pickups/{code}": MERCHANT,
    "POST /api/admin/v1/delivery/pickups/{code}/complete": checked_late(Permission.SHIP),
    "GET /api/admin/v1/restock-reminders": scope(Scope.CATALOG_READ),
    "GET /api/admin/v1/search/pinned": scope(Scope.CATALOG_READ),
    "PUT /api/admin/v1/search/pinned": MERCHANT,  # 管理营销, checked once the body is parsed
    "GET /api/admin/v1/payments/anomalies": MERCHANT,
    "GET /api/admin/v1/payment-credentials": OWNER,
    "PATCH /api/admin/v1/payment-credentials": OWNER,
    "GET /api/admin/v1/wechat/shipping/failed": MERCHANT,
    "POST /api/admin/v1/wechat/shipping/{order_id}/retry": permission(Permission.SHIP),
    "GET /api/admin/v1/wechat/templates": MERCHANT,
    "PUT /api/admin/v1/wechat/templates/{event}": OWNER,
    "GET /api/admin/v1/reports/sales": permission(Permission.REVENUE),
    "GET /api/admin/v1/reports/sales.csv": permission(Permission.REVENUE),
    "GET /api/admin/v1/customers": permission(Permission.REVENUE),
    "GET /api/admin/v1/coupons": MERCHANT,
    "POST /api/admin/v1/coupons": checked_late(Permission.MARKETING),
    "GET /api/admin/v1/coupons/{coupon_id}": MERCHANT,
    "PATCH /api/admin/v1/coupons/{coupon_id}": checked_late(Permission.MARKETING),
    "POST /api/admin/v1/coupons/{coupon_id}/pause": checked_late(Permission.MARKETING),
    "POST /api/admin/v1/coupons/{coupon_id}/resume": checked_late(Permission.MARKETING),
    "POST /api/admin/v1/coupons/{coupon_id}/end": checked_late(Permission.MARKETING),
    "GET /api/admin/v1/coupons/{coupon_id}/stats": MERCHANT,
    "POST /api/admin/v1/coupons/{coupon_id}/codes": checked_late(Permission.MARKETING),
    "GET /api/admin/v1/coupons/{coupon_id}/codes.csv": permission(Permission.MARKETING),
    "GET /api/admin/v1/promotions": MERCHANT,
    "POST /api/admin/v1/promotions": checked_late(Permission.MARKETING),
    "PATCH /api/admin/v1/promotions/{promotion_id}": checked_late(Permission.MARKETING),
    "GET /api/admin/v1/flash-sales": MERCHANT,
    "POST /api/admin/v1/flash-sales": checked_late(Permission.MARKETING),
    "GET /api/admin/v1/flash-sales/{session_id}": MERCHANT,
    "PATCH /api/admin/v1/flash-sales/{session_id}": checked_late(Permission.MARKETING),
    "POST /api/admin/v1/flash-sales/{session_id}/end": checked_late(Permission.MARKETING),
    "GET /api/admin/v1/group-buys": MERCHANT,
    "POST /api/admin/v1/group-buys": permission(Permission.MARKETING),
    "GET /api/admin/v1/group-buys/{campaign_id}": MERCHANT,
    "PATCH /api/admin/v1/group-buys/{campaign_id}": permission(Permission.MARKETING),
    "POST /api/admin/v1/group-buys/{campaign_id}/end": permission(Permission.MARKETING),
    "GET /api/admin/v1/group-buys/{campaign_id}/groups": MERCHANT,
    "GET /api/admin/v1/api-keys": OWNER,
    "POST /api/admin/v1/api-keys": OWNER,
    "DELETE /api/admin/v1/api-keys/{key_id}": OWNER,
    "PUT /api/admin/v1/stock": scope(Scope.STOCK_WRITE),
    "POST /api/admin/v1/stock/adjust": scope(Scope.STOCK_WRITE),
    "GET /api/admin/v1/webhooks": OWNER,
    "POST /api/admin/v1/webhooks": OWNER,
    "DELETE /api/admin/v1/webhooks/{endpoint_id}": OWNER,
    "GET /api/admin/v1/webhook-deliveries": OWNER,
    "POST /api/admin/v1/webhook-deliveries/{delivery_id}/resend": OWNER,
    "GET /api/admin/v1/delivery/settings": MERCHANT,
    "PUT /api/admin/v1/delivery/settings": OWNER,  # as in the console
    "POST /api/admin/v1/delivery/geocode": MERCHANT,
    "GET /api/admin/v1/delivery/slots": MERCHANT,
    "POST /api/admin/v1/delivery/batches": permission(Permission.SHIP),
    "GET /api/admin/v1/delivery/batches": MERCHANT,
    "GET /api/admin/v1/delivery/batches/{batch_id}": MERCHANT,
    "POST /api/admin/v1/delivery/batches/{batch_id}/replan": permission(Permission.SHIP),
    "GET /api/admin/v1/delivery/routes/{route_id}/map.svg": MERCHANT,
    # the rider's pages: a signed link is the credential (tests/delivery checks the signature)
    "GET /rider/routes/{route_id}": PUBLIC,
    "GET /rider/routes/{route_id}/map.svg": PUBLIC,
    "POST /rider/routes/{route_id}/stops/{order_id}/delivered": PUBLIC,
    "POST /rider/routes/{route_id}/stops/{order_id}/failed": PUBLIC,
    # the rest of the site
    "GET /": PUBLIC,
    "GET /healthz": PUBLIC,
    "GET /metrics": PUBLIC,  # by network or bearer token: tests/test_exposure.py
}
# fmt: on
# Sockets authenticate in their first frame; tests/live and tests/live_stock cover them.
SOCKETS = {"/api/v1/ws", "/api/admin/v1/ws"}
# Calls that end the caller's own session go last, so they cannot sign out the others' calls.
LAST = ("POST /api/v1/auth/logout", "POST /api/admin/v1/auth/logout")
PATH_VALUES = {"kind": "goods", "event": "order_shipped"}
MISSING_ID = "999999"


def route_table(app: FastAPI) -> tuple[list[str], set[str]]:
    """Every `METHOD path` the app answers (its API routes, included routers flattened), and
    the paths of its WebSocket routes."""
    calls: list[str] = []
    sockets: set[str] = set()
    for context in routing.iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, routing.APIWebSocketRoute):
            sockets.add(context.path_format)
        elif isinstance(route, routing.APIRoute):
            calls.extend(f"{method} {context.path_format}" for method in sorted(context.methods))
    return calls, sockets


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m.group(1), MISSING_ID), path)


def _expected(access: Access, who: str) -> int | None:
    """The status that stops `who`, or None when `who` gets past authorization."""
    shopper = who in ("shopper A", "shopper B")
    key = who.startswith("key ")
    if access.who == "public":
        return None
    if access.who == "optional shopper":
        return None if shopper or who == "anonymous" else 401
    if access.who == "shopper":
        return None if shopper else 401
    if who == "anonymous" or shopper:
        return 401
    if key:
        if access.scope is not None:
            return None if who == f"key {access.scope}" else 403
        return 401
    if access.who == "owner":
        return None if who == "owner" else 403
    if access.permission is not None and who == "clerk":
        return None if access.late else 403
    return None


async def test_every_route_declares_who_may_call_it(app: FastAPI) -> None:
    calls, sockets = route_table(app)
    assert len(calls) > 150
    undeclared = sorted(set(calls) - set(EXPECTED))
    assert not undeclared, f"routes with no declared access in EXPECTED: {undeclared}"
    assert not sorted(set(EXPECTED) - set(calls)), "EXPECTED names routes that are gone"
    assert sockets == SOCKETS


async def test_every_route_lets_in_only_whom_it_declares(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    cast = await make_cast(client, context)
    clerk = await factories.merchant(client, context, username="clerk", role="custom")
    callers = _callers(cast, clerk)
    calls, _ = route_table(app)
    ordered = sorted(calls, key=lambda call: call in LAST)
    wrong: list[str] = []
    for call in ordered:
        method, path = call.split(" ", 1)
        for who, headers in callers.items():
            response = await client.request(method, _concrete(path), headers=headers)
            stopped_with = _expected(EXPECTED[call], who)
            status = response.status_code
            if status >= 500:
                wrong.append(f"{call} as {who}: {status} {response.text[:200]}")
            elif _checked_late(EXPECTED[call], who, stopped_with, status):
                continue
            elif stopped_with is None and status in (401, 403):
                wrong.append(f"{call} as {who}: refused {status} {response.text[:200]}")
            elif stopped_with is not None and status != stopped_with:
                wrong.append(f"{call} as {who}: {status}, expected {stopped_with}")
    assert not wrong, "\n".join(wrong)


def _checked_late(access: Access, who: str, stopped_with: int | None, status: int) -> bool:
    """A call that a route checking late may stop otherwise than its declaration says: a
    clerk's bodiless call refused (403) instead of stopped by validation, or another
    kind of token's stopped by validation (422) instead of refused (401)."""
    if not access.late:
        return False
    if access.who == "shopper":
        return stopped_with == 401 and status == 422 and who != "anonymous"
    return stopped_with is None and status == 403 and who == "clerk"


def _callers(cast: Cast, clerk: dict[str, str]) -> dict[str, dict[str, str]]:
    return {
        "anonymous": cast.anonymous,
        "shopper A": cast.shopper_a.headers,
        "shopper B": cast.shopper_b.headers,
        "staff": cast.staff,
        "clerk": clerk,
        "owner": cast.owner,
        **{f"key {scope}": headers for scope, headers in cast.keys.items()},
    }
