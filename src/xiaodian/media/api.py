"""Image upload for shoppers (review photos, avatars): same checks and WebP variants as the
merchant's, with a per-shopper hourly limit."""

from __future__ import annotations

from fastapi import APIRouter, UploadFile

from xiaodian.auth.deps import DetachedUser
from xiaodian.core import urls
from xiaodian.core.ratelimit import Rate, RateLimiter
from xiaodian.deps import ContextDep
from xiaodian.media.schemas import ImageOut
from xiaodian.media.service import MAX_UPLOAD_BYTES, ImageTooLarge, store_image

router = APIRouter(tags=["media"])
UPLOADS_PER_HOUR = 60
_UPLOADS = Rate(limit=UPLOADS_PER_HOUR, per_seconds=3600)


@router.post("/media/images", status_code=201)
async def upload_image(file: UploadFile, user: DetachedUser, context: ContextDep) -> ImageOut:
    limiter = RateLimiter(context.cache, name="uploads", rate=_UPLOADS)
    await limiter.check(f"user:{user.id}", message="上传太频繁，请稍后再试")
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageTooLarge()
    stored = await store_image(data, context.settings.media_dir)
    return ImageOut(
        url=urls.absolute(stored.url),
        sizes={width: urls.absolute(url) for width, url in stored.sizes.items()},
    )
