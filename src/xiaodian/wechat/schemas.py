from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, RootModel, field_validator

from xiaodian.wechat.subscriptions import SOURCES, VALUE_LIMITS
from xiaodian.wechat.vocabulary import GrantAnswer

TemplateId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z_\-]+$")]
FieldName = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z_]+[0-9]+$")]


class GrantsIn(RootModel[dict[TemplateId, GrantAnswer]]):
    """What `wx.requestSubscribeMessage` answered: `{template_id: "accept" | "reject" | …}`."""

    @field_validator("root")
    @classmethod
    def _at_most_five(cls, value: dict[str, GrantAnswer]) -> dict[str, GrantAnswer]:
        if not 1 <= len(value) <= 5:
            raise ValueError("一次上报 1 到 5 个模板")
        return value


class GrantsOut(BaseModel):
    grants: dict[str, int]
    """Messages we may still send, per template."""
    templates: dict[str, str]
    """Event → template id, so the mini program knows what to ask for."""


class TemplateIn(BaseModel):
    template_id: TemplateId
    fields: dict[FieldName, str] = Field(default_factory=dict, max_length=10)
    page: Annotated[str, Field(max_length=200, pattern=r"^$|^[A-Za-z0-9_\-/]+$")] = ""
    is_enabled: bool = True

    @field_validator("fields")
    @classmethod
    def _known_sources(cls, value: dict[str, str]) -> dict[str, str]:
        for name, source in value.items():
            if source not in SOURCES:
                raise ValueError(f"{name}: 未知的取值 {source}")
            kind = name.rstrip("0123456789")
            if kind not in VALUE_LIMITS and kind not in ("amount", "date", "time", "phone_number"):
                raise ValueError(f"{name}: 未知的字段类型 {kind}")
        return value


class TemplateOut(BaseModel):
    event: str
    template_id: str
    fields: dict[str, str]
    page: str
    is_enabled: bool


class ShippingFailureOut(BaseModel):
    order_id: int
    order_no: str
    logistics_type: int
    status: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    updated_at: datetime


class ShippingStateOut(BaseModel):
    order_id: int
    status: str


class TrackPointOut(BaseModel):
    time: str
    context: str


class TrackingOut(BaseModel):
    carrier: str
    tracking_no: str
    provider: str | None
    state: str | None
    state_text: str | None
    points: list[TrackPointOut]
    error: str | None
