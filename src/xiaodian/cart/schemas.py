from __future__ import annotations

from pydantic import BaseModel, model_validator

from xiaodian.core.types import Id, Quantity


class CartItemIn(BaseModel):
    sku_id: Id
    quantity: Quantity = 1


class CartItemPatch(BaseModel):
    quantity: Quantity | None = None
    selected: bool | None = None

    @model_validator(mode="after")
    def _something(self) -> CartItemPatch:
        if self.quantity is None and self.selected is None:
            raise ValueError("give quantity or selected")
        return self


class CartSelectIn(BaseModel):
    selected: bool


class CartLineOut(BaseModel):
    id: int
    sku_id: int
    goods_id: int
    title: str
    spec_text: str
    image_url: str
    price_fen: int
    quantity: int
    selected: bool
    stock: int
    is_available: bool
    stock_short: bool
    line_total_fen: int


class CartOut(BaseModel):
    items: list[CartLineOut]
    selected_quantity: int
    selected_total_fen: int
    all_selected: bool
