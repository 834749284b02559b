from __future__ import annotations

from pydantic import BaseModel


class ImageOut(BaseModel):
    url: str
    """The stored path of the 800 px variant (what goods, banners and reviews keep)."""
    sizes: dict[str, str]
