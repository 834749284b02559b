"""The console's sections: each is a nav entry plus the router that serves it.

A later feature (coupons, group buying, flash sales, live feeds, delivery) drops in as one more
route module that defines a `Section` and one more entry in `console.routes.SECTIONS`; the nav,
the owner-only guard on the menu and the page chrome follow from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import APIRouter

from xiaodian.auth.permissions import Permission, can
from xiaodian.models import AdminUser
from xiaodian.models.admins import ROLE_OWNER

# Nav groups in the order they are shown; a section names the group it belongs to.
GROUPS: tuple[str, ...] = ("概览", "商品", "交易", "营销", "用户", "店铺")


@dataclass(frozen=True)
class Section:
    key: str
    """Stable id; pages name it to light up their nav entry."""
    title: str
    path: str
    """Relative to the console root, e.g. "/goods"."""
    icon: str
    """A name from templates/_icons.html."""
    group: str
    router: APIRouter
    owner_only: bool = False
    """Hidden from staff in the nav; the routes themselves must still depend on ConsoleOwner."""
    permission: Permission | None = None
    """Hidden from accounts whose role lacks it (the writes themselves check it too)."""


@dataclass(frozen=True)
class NavGroup:
    title: str
    sections: list[Section]


def navigation(sections: Sequence[Section], admin: AdminUser | None) -> list[NavGroup]:
    """The menu this account sees, grouped, in registry order within each group."""
    is_owner = admin is not None and admin.role == ROLE_OWNER
    visible = [
        s
        for s in sections
        if (is_owner or not s.owner_only) and (s.permission is None or can(admin, s.permission))
    ]
    groups = [NavGroup(title, [s for s in visible if s.group == title]) for title in GROUPS]
    return [group for group in groups if group.sections]
