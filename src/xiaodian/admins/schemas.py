from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from xiaodian.auth.permissions import Permission, permissions_of
from xiaodian.core.types import Name
from xiaodian.models import AdminUser

Username = Annotated[str, Field(min_length=3, max_length=32, pattern=r"^[A-Za-z0-9_.\-]+$")]
Password = Annotated[str, Field(min_length=8, max_length=128)]
Role = Literal["owner", "manager", "service", "warehouse", "custom", "staff"]


class AdminLoginIn(BaseModel):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=128)]


class AdminOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: str
    permissions: list[Permission] = []
    """What the account may do (its role's set; the custom role's own list)."""
    is_active: bool
    last_login_at: datetime | None
    created_at: datetime

    @model_validator(mode="before")
    @classmethod
    def _effective_permissions(cls, data: object) -> object:
        if not isinstance(data, AdminUser):
            return data
        fields = ("id", "username", "display_name", "role", "is_active", "last_login_at")
        out = {name: getattr(data, name) for name in (*fields, "created_at")}
        return out | {"permissions": sorted(permissions_of(data))}


class AdminTokenOut(BaseModel):
    token: str
    expires_at: datetime
    admin: AdminOut


class AdminCreate(BaseModel):
    username: Username
    password: Password
    role: Role = "staff"
    permissions: Annotated[list[Permission], Field(max_length=16)] = []
    """Only for the custom role: which permissions it holds."""
    display_name: Name | None = None


class AdminPatch(BaseModel):
    display_name: Name | None = None
    role: Role | None = None
    permissions: Annotated[list[Permission], Field(max_length=16)] | None = None
    is_active: bool | None = None
    password: Password | None = None


class PasswordChange(BaseModel):
    current_password: Annotated[str, Field(min_length=1, max_length=128)]
    new_password: Password
