from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from xiaodian.core.types import Name

Username = Annotated[str, Field(min_length=3, max_length=32, pattern=r"^[A-Za-z0-9_.\-]+$")]
Password = Annotated[str, Field(min_length=8, max_length=128)]
Role = Literal["owner", "staff"]


class AdminLoginIn(BaseModel):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=128)]


class AdminOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: str
    is_active: bool
    last_login_at: datetime | None
    created_at: datetime


class AdminTokenOut(BaseModel):
    token: str
    expires_at: datetime
    admin: AdminOut


class AdminCreate(BaseModel):
    username: Username
    password: Password
    role: Role = "staff"
    display_name: Name | None = None


class AdminPatch(BaseModel):
    display_name: Name | None = None
    role: Role | None = None
    is_active: bool | None = None
    password: Password | None = None


class PasswordChange(BaseModel):
    current_password: Annotated[str, Field(min_length=1, max_length=128)]
    new_password: Password
