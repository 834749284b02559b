"""Picture uploads from the console's editors (goods, banners, logo): JSON for the uploader."""

from __future__ import annotations

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import JSONResponse

from xiaodian.auth.permissions import Permission, can
from xiaodian.console.rendering import media_path, media_sized
from xiaodian.console.security import ConsoleAdmin
from xiaodian.core.errors import Forbidden, ShopError
from xiaodian.deps import context_of
from xiaodian.media.service import MAX_UPLOAD_BYTES, ImageTooLarge, store_image

router = APIRouter()


@router.post("/media/images")
async def upload_image(request: Request, file: UploadFile, admin: ConsoleAdmin) -> JSONResponse:
    """Re-encoded to WebP in several widths by the media service; answers the stored path."""
    context = context_of(request)
    try:
        if not (can(admin, Permission.GOODS) or can(admin, Permission.MARKETING)):
            raise Forbidden("上传图片需要「管理商品」或「管理营销」权限")
        data = await file.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            raise ImageTooLarge()
        stored = await store_image(data, context.settings.media_dir)
    except ShopError as error:
        return JSONResponse(
            {"error": error.code, "message": error.message}, status_code=error.status_code
        )
    return JSONResponse(
        {"url": media_path(stored.url), "thumb": media_sized(stored.url, 240)}, status_code=201
    )
