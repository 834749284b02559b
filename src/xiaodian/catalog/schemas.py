"""What the shopper and the merchant send and receive about the catalog."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from xiaodian.core.pagination import Page, PageNumber, PageSize
from xiaodian.core.types import (
    Code,
    Fen,
    Id,
    Keyword,
    Label,
    MediumText,
    Name,
    RichText,
    ShortText,
    Stock,
    Title,
    Url,
)
from xiaodian.reviews.schemas import ReviewOut, ReviewSummary

GoodsSort = Literal["sales", "price", "new", "default"]
SortOrder = Literal["asc", "desc"]
LinkType = Literal["goods", "category", "url", "none"]


class CategoryOut(BaseModel):
    id: int
    name: str
    icon_url: str
    children: list[CategoryOut] = []


class GoodsCard(BaseModel):
    id: int
    title: str
    subtitle: str
    cover_url: str
    price_fen: int
    market_price_fen: int
    sales: int
    stock_left: int
    stock_hint: str = ""
    """"仅剩 N 件" below the shop's threshold, "已售罄" at 0 (`catalog.hints`)."""
    unit: str
    category_id: int


class SpecOut(BaseModel):
    name: str
    values: list[str]


class SkuOut(BaseModel):
    id: int
    spec_values: list[str]
    price_fen: int
    stock: int
    stock_hint: str = ""
    image_url: str
    """This SKU's own picture ("" when it has none: show the goods' cover)."""
    market_price_fen: int = 0
    """The 划线价 to strike through for this SKU: its own, else the goods' (0: none)."""


class GoodsDetail(BaseModel):
    id: int
    title: str
    subtitle: str
    unit: str
    description: str
    description_blocks: list[dict[str, Any]] = []
    """Text paragraphs and images in order (`{"type": "text", "text"}`, `{"type": "image",
    "url", "width", "height"}`); the plain description as one text block when none were set."""
    category_id: int
    images: list[str]
    cover_url: str
    price_fen: int
    market_price_fen: int
    sales: int
    stock_left: int
    stock_hint: str = ""
    is_on_shelf: bool
    specs: list[SpecOut]
    skus: list[SkuOut]
    review_summary: ReviewSummary
    recent_reviews: list[ReviewOut]
    is_favorite: bool = False


class BannerOut(BaseModel):
    id: int
    title: str
    image_url: str
    link_type: str
    link_value: str


class ShopBrief(BaseModel):
    name: str
    logo_url: str
    notice: str
    service_phone: str
    free_freight_threshold_fen: int
    """Orders of at least this much (after discounts) ship free; the cart shows what is left."""


class Promotions(BaseModel):
    """Running promotions, filled at answer time by the promotion domains' providers
    (`catalog.promotions`); each key is an empty list when nothing runs."""

    flash_sales: list[dict[str, object]] = []
    group_buys: list[dict[str, object]] = []


class HomeOut(BaseModel):
    shop: ShopBrief
    banners: list[BannerOut]
    categories: list[CategoryOut]
    hot: list[GoodsCard]
    new: list[GoodsCard]
    promotions: Promotions


class GoodsListPage(Page[GoodsCard]):
    """`GET /api/v1/goods`. The matches are counted up to 500 past the page asked for:
    beyond that `total` is a floor and `total_exact` is false (show it as "N+"); the next
    page is there while `page * page_size < total`."""

    total_exact: bool


class GoodsQuery(BaseModel):
    """The shopper's goods search; every field has a bound so no query can run away."""

    model_config = ConfigDict(frozen=True)

    category_id: Id | None = None
    q: Keyword | None = None
    min_price_fen: Fen | None = None
    max_price_fen: Fen | None = None
    sort: GoodsSort = "default"
    order: SortOrder | None = None
    page: PageNumber = 1
    page_size: PageSize = 20

    def cache_key(self) -> str:
        return self.model_dump_json()


# ---- merchant side ----


class CategoryIn(BaseModel):
    name: Name
    parent_id: Id | None = None
    icon_url: Url | Literal[""] = ""
    sort_order: Annotated[int, Field(ge=-9999, le=9999)] = 0
    is_visible: bool = True


class CategoryPatch(BaseModel):
    name: Name | None = None
    parent_id: Id | None = None
    icon_url: Url | Literal[""] | None = None
    sort_order: Annotated[int, Field(ge=-9999, le=9999)] | None = None
    is_visible: bool | None = None


class AdminCategoryOut(BaseModel):
    id: int
    parent_id: int | None
    name: str
    icon_url: str
    sort_order: int
    is_visible: bool
    goods_count: int = 0
    children: list[AdminCategoryOut] = []


class SpecIn(BaseModel):
    name: Annotated[Label, Field(max_length=16)]
    values: Annotated[list[Label], Field(min_length=1, max_length=20)]


class SkuIn(BaseModel):
    spec_values: Annotated[list[Label], Field(max_length=3)] = []
    price_fen: Annotated[int, Field(ge=1, le=100_000_000)]
    stock: Stock = 0
    stock_was: Annotated[
        Stock | None,
        Field(
            description=(
                "The stock you read before editing (send back what GET returned). For a SKU "
                "that exists, only the difference stock - stock_was is applied, atomically and "
                "never below zero, so units that orders took since your read are not put "
                "back. Without it, `stock` replaces the count as it is (a stocktake)."
            )
        ),
    ] = None
    code: Code = ""
    image_url: Annotated[
        Url | Literal[""],
        Field(description='This SKU\'s own picture (an upload of this shop); "": none.'),
    ] = ""
    market_price_fen: Annotated[
        Fen,
        Field(
            description="This SKU's own 划线价: 0 = none (the goods' is shown), else at least "
            "its `price_fen` (422 `sku_market_price_too_low` otherwise)."
        ),
    ] = 0
    is_active: bool = True
    weight_g: Annotated[
        int | None,
        Field(
            ge=0,
            le=1_000_000,
            description="Weight of one unit in grams, for riders' capacity (0: not weighed; "
            "left out: unchanged).",
        ),
    ] = None


DescriptionBlocksIn = Annotated[
    list[Any] | None,
    Field(
        max_length=1000,
        description="Ordered blocks: {type: text, text} (≤ 2000 chars) or {type: image, url "
        "(this shop's upload), width, height}; at most 50. Left out: unchanged; []: none "
        "(the plain description is shown). When set, `description` becomes their text.",
    ),
]
"""The rich description as sent by the merchant (checked block by block by the service)."""


class GoodsIn(BaseModel):
    category_id: Id
    title: Title
    subtitle: ShortText = ""
    unit: Annotated[Label, Field(max_length=16)] = "件"
    description: RichText = ""
    description_blocks: DescriptionBlocksIn = None
    market_price_fen: Fen = 0
    is_on_shelf: bool = False
    sort_order: Annotated[int, Field(ge=-9999, le=9999)] = 0
    images: Annotated[list[Url], Field(max_length=9)] = []
    specs: Annotated[list[SpecIn], Field(max_length=3)] = []
    skus: Annotated[list[SkuIn], Field(min_length=1, max_length=200)]

    @model_validator(mode="after")
    def _sku_matrix(self) -> GoodsIn:
        names = [spec.name for spec in self.specs]
        if len(set(names)) != len(names):
            raise ValueError("spec names must be unique")
        for spec in self.specs:
            if len(set(spec.values)) != len(spec.values):
                raise ValueError(f"values of spec {spec.name!r} must be unique")
        seen: set[tuple[str, ...]] = set()
        for sku in self.skus:
            if len(sku.spec_values) != len(self.specs):
                raise ValueError("every SKU needs one value for each spec")
            for spec, value in zip(self.specs, sku.spec_values, strict=True):
                if value not in spec.values:
                    raise ValueError(f"{value!r} is not a value of spec {spec.name!r}")
            combination = tuple(sku.spec_values)
            if combination in seen:
                raise ValueError(f"two SKUs share the spec values {list(combination)}")
            seen.add(combination)
        return self


class GoodsPatch(BaseModel):
    """Partial edits that do not touch the SKU matrix."""

    category_id: Id | None = None
    title: Title | None = None
    subtitle: ShortText | None = None
    unit: Annotated[Label, Field(max_length=16)] | None = None
    description: RichText | None = None
    description_blocks: DescriptionBlocksIn = None
    market_price_fen: Fen | None = None
    is_on_shelf: bool | None = None
    sort_order: Annotated[int, Field(ge=-9999, le=9999)] | None = None
    images: Annotated[list[Url], Field(max_length=9)] | None = None


class AdminSkuOut(BaseModel):
    id: int
    spec_values: list[str]
    price_fen: int
    stock: int
    sales: int
    code: str
    image_url: str
    market_price_fen: int = 0
    """This SKU's own 划线价 (0: none, the goods' is shown)."""
    is_active: bool
    low_stock_below: int | None = None
    """Low-stock alert threshold of this SKU (None: the shop's `XIAODIAN_STOCK_HINT_BELOW`)."""
    weight_g: int | None = None
    """Weight of one unit in grams (None: not weighed)."""


class AdminGoodsOut(BaseModel):
    id: int
    category_id: int
    category_name: str
    title: str
    subtitle: str
    unit: str
    description: str
    description_blocks: list[dict[str, Any]] = []
    """The blocks as entered ([] when the goods has only the plain description)."""
    price_fen: int
    market_price_fen: int
    sales: int
    stock_left: int
    is_on_shelf: bool
    sort_order: int
    images: list[str]
    cover_url: str
    specs: list[SpecOut]
    skus: list[AdminSkuOut]
    created_at: datetime
    updated_at: datetime


class AdminGoodsQuery(BaseModel):
    category_id: Id | None = None
    q: Keyword | None = None
    on_shelf: bool | None = None
    low_stock: Annotated[int, Field(ge=0, le=1_000_000)] | None = None
    page: PageNumber = 1
    page_size: PageSize = 20


class SkuPatch(BaseModel):
    stock: Stock | None = None
    stock_delta: Annotated[int, Field(ge=-10_000_000, le=10_000_000)] | None = None
    price_fen: Annotated[int, Field(ge=1, le=100_000_000)] | None = None
    market_price_fen: Annotated[
        Fen | None,
        Field(description="This SKU's own 划线价: 0 = none, else at least its price."),
    ] = None
    image_url: Annotated[
        Url | Literal[""] | None,
        Field(description='This SKU\'s own picture; "" removes it.'),
    ] = None
    is_active: bool | None = None
    weight_g: Annotated[
        int | None,
        Field(
            ge=0,
            le=1_000_000,
            description="Weight of one unit in grams, for riders' capacity (0: not weighed; "
            "left out: unchanged).",
        ),
    ] = None

    @model_validator(mode="after")
    def _one_stock_edit(self) -> SkuPatch:
        if self.stock is not None and self.stock_delta is not None:
            raise ValueError("give either stock or stock_delta, not both")
        return self


class StockEdit(BaseModel):
    sku_id: Id
    stock: Stock


class PriceEdit(BaseModel):
    sku_id: Id
    price_fen: Annotated[int, Field(ge=1, le=100_000_000)]


class BulkPriceIn(BaseModel):
    items: Annotated[list[PriceEdit], Field(min_length=1, max_length=500)]


class BulkStockIn(BaseModel):
    items: Annotated[list[StockEdit], Field(min_length=1, max_length=500)]


class ShelfIn(BaseModel):
    on_shelf: bool


class ShelfManyIn(BaseModel):
    goods_ids: Annotated[list[Id], Field(min_length=1, max_length=200)]
    on_shelf: bool


class BannerIn(BaseModel):
    title: Annotated[ShortText, Field(max_length=64)] = ""
    image_url: Url
    link_type: LinkType = "none"
    link_value: MediumText = ""
    sort_order: Annotated[int, Field(ge=-9999, le=9999)] = 0
    is_active: bool = True
    starts_at: datetime | None = None
    ends_at: datetime | None = None


class BannerPatch(BaseModel):
    title: Annotated[ShortText, Field(max_length=64)] | None = None
    image_url: Url | None = None
    link_type: LinkType | None = None
    link_value: MediumText | None = None
    sort_order: Annotated[int, Field(ge=-9999, le=9999)] | None = None
    is_active: bool | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None


class BannerOrderIn(BaseModel):
    banner_ids: Annotated[list[Id], Field(min_length=1, max_length=200)]
    """Every banner's id once, in the order they should show (first: first)."""


class AdminBannerOut(BannerOut):
    sort_order: int
    is_active: bool
    starts_at: datetime | None
    ends_at: datetime | None


SuggestKeyword = Label
"""What the shopper has typed so far in the search box (1–20 characters)."""


class SearchKeywords(BaseModel):
    """Hot keywords or suggestions for the search page, best first."""

    keywords: list[str]


class RestockReminderIn(BaseModel):
    sku_id: Id


class RestockRemindersOut(BaseModel):
    """The SKUs of one goods item the shopper waits for (到货提醒)."""

    sku_ids: list[int]


class PinnedSearchWords(BaseModel):
    """置顶热搜词: listed first among the hot keywords, in this order."""

    words: Annotated[list[Annotated[Keyword, Field(max_length=20)]], Field(max_length=10)]


class RestockWaitingOut(BaseModel):
    """For the merchant: shoppers waiting for a sold-out SKU."""

    sku_id: int
    goods_id: int
    goods_title: str
    spec_text: str
    stock: int
    waiting: int


class GoodsImportIn(BaseModel):
    csv: Annotated[str, Field(min_length=1, max_length=60 * 1024)]
    """The goods export's columns, its header first (商品ID, 商品名称, 分类, 规格, SKU ID, …)."""
    apply: bool = False
    """False: only the preview. True: import every line, or none if any line is wrong."""


class GoodsImportLineOut(BaseModel):
    line: int
    goods_id: int | None
    title: str
    spec: str
    sku_id: int | None
    action: str
    """create | update | same; empty when the line has an error."""
    changes: list[str]
    error: str
