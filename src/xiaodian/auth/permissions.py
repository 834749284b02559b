"""What a merchant account may do: permissions, and the roles built from them.

The owner may do everything (and alone manages staff, shop settings and payment credentials).
Every other role is a set of `Permission`s; `custom` reads its set from the account's
`permissions` column. `staff`, the role every account had before roles existed, keeps every
permission so that upgrading a shop takes nothing away from anybody.
"""

from __future__ import annotations

from enum import StrEnum

from xiaodian.core.errors import Forbidden
from xiaodian.models import AdminUser


class Permission(StrEnum):
    GOODS = "goods"
    """Create, edit, copy, shelve and delete goods, categories and pictures."""
    PRICES_STOCK = "prices_stock"
    """Change prices (incl. 划线价) and stock."""
    SHIP = "ship"
    """Ship orders, edit tracking numbers, close unpaid orders."""
    REFUNDS = "refunds"
    """Approve, reject and retry refunds and returns."""
    REVENUE = "revenue"
    """See revenue figures: the dashboard's sales, reports, customers' totals."""
    MARKETING = "marketing"
    """Banners and promotions."""
    REVIEWS = "reviews"
    """Reply to and hide reviews."""


PERMISSION_TEXT: dict[Permission, str] = {
    Permission.GOODS: "管理商品",
    Permission.PRICES_STOCK: "改价格和库存",
    Permission.SHIP: "发货",
    Permission.REFUNDS: "审批退款",
    Permission.REVENUE: "查看营收",
    Permission.MARKETING: "管理营销",
    Permission.REVIEWS: "回复评价",
}


class Role(StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    SERVICE = "service"
    WAREHOUSE = "warehouse"
    CUSTOM = "custom"
    STAFF = "staff"


ROLE_TEXT: dict[Role, str] = {
    Role.OWNER: "店主",
    Role.MANAGER: "店长",
    Role.SERVICE: "客服",
    Role.WAREHOUSE: "仓管",
    Role.CUSTOM: "自定义",
    Role.STAFF: "店员（全部权限）",
}

ALL = frozenset(Permission)
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: ALL,
    Role.MANAGER: ALL,
    Role.STAFF: ALL,
    Role.SERVICE: frozenset({Permission.SHIP, Permission.REFUNDS, Permission.REVIEWS}),
    Role.WAREHOUSE: frozenset({Permission.SHIP, Permission.PRICES_STOCK}),
    Role.CUSTOM: frozenset(),
}


def parse_permissions(text: str) -> frozenset[Permission]:
    """The stored comma-separated list; unknown words (a permission since removed) are dropped."""
    known = {p.value for p in Permission}
    return frozenset(Permission(word) for word in text.split(",") if word in known)


def join_permissions(permissions: set[Permission] | frozenset[Permission]) -> str:
    return ",".join(sorted(permissions))


def permissions_of(admin: AdminUser) -> frozenset[Permission]:
    try:
        role = Role(admin.role)
    except ValueError:
        return frozenset()
    if role == Role.CUSTOM:
        return parse_permissions(admin.permissions or "")
    return ROLE_PERMISSIONS[role]


def can(admin: AdminUser | None, permission: Permission) -> bool:
    return admin is not None and permission in permissions_of(admin)


class NoPermission(Forbidden):
    code = "no_permission"
    default_message = "你的角色没有此操作的权限"


def require(admin: AdminUser, *permissions: Permission) -> None:
    """Refuse (403 `no_permission`) unless the account holds every one of `permissions`."""
    missing = [p for p in permissions if not can(admin, p)]
    if missing:
        names = "、".join(PERMISSION_TEXT[p] for p in missing)
        raise NoPermission(f"你的角色没有「{names}」权限，请联系店主")
