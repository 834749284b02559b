from __future__ import annotations

from xiaodian.core import urls
from xiaodian.core.errors import ShopError


class ForeignImageUrl(ShopError):
    status_code = 422
    code = "foreign_image_url"
    default_message = "图片地址无效：请先上传图片，只能使用本店上传的图片"


def own_image_path(url: str, *, field: str) -> str:
    """What to store for an image a shopper names: the path of an image uploaded to this shop
    (`/media/…`), or ForeignImageUrl (422) — another host's picture would let anyone who views
    it (the merchant in the console, other shoppers) be tracked by that host."""
    path = urls.own_media_path(url)
    if path is None:
        raise ForeignImageUrl(field=field)
    return path
