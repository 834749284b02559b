"""Image upload for the merchant (goods pictures, banners, logo)."""

from __future__ import annotations

from fastapi import APIRouter, UploadFile

from xiaodian.auth.deps import CurrentAdmin
from xiaodian.auth.permissions import Permission, can
from xiaodian.core import urls
from xiaodian.core.errors import Forbidden
from xiaodian.deps import ContextDep
from xiaodian.media.schemas import ImageOut
from xiaodian.media.service import MAX_UPLOAD_BYTES, ImageTooLarge, store_image

router = APIRouter(tags=["admin: media"])


@router.post("/media/images", status_code=201)
async def upload_image(file: UploadFile, admin: CurrentAdmin, context: ContextDep) -> ImageOut:
    if not (can(admin, Permission.GOODS) or can(admin, Permission.MARKETING)):
        raise Forbidden("上传图片需要「管理商品」或「管理营销」权限")
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageTooLarge()
    stored = await store_image(data, context.settings.media_dir)
    return ImageOut(
        url=urls.absolute(stored.url),
        sizes={width: urls.absolute(url) for width, url in stored.sizes.items()},
    )
