"""Image upload for the merchant (goods pictures, banners, logo)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, UploadFile

from xiaodian.auth.deps import CurrentAdmin
from xiaodian.context import AppContext
from xiaodian.core import urls
from xiaodian.core.http import get_context
from xiaodian.media.schemas import ImageOut
from xiaodian.media.service import MAX_UPLOAD_BYTES, ImageTooLarge, store_image

router = APIRouter(tags=["admin: media"])
ContextDep = Annotated[AppContext, Depends(get_context)]


@router.post("/media/images", status_code=201)
async def upload_image(file: UploadFile, _admin: CurrentAdmin, context: ContextDep) -> ImageOut:
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageTooLarge()
    stored = await store_image(data, context.settings.media_dir)
    return ImageOut(
        url=urls.absolute(stored.url),
        sizes={width: urls.absolute(url) for width, url in stored.sizes.items()},
    )
