"""Reviews: list with filters, reply, hide or show again."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import escape

from xiaodian.console.forms import lenient, text, validate
from xiaodian.console.rendering import is_htmx, render, toast
from xiaodian.console.sections import Section
from xiaodian.console.security import ConsoleAdmin, read_form
from xiaodian.deps import IdPath, SessionDep, context_of
from xiaodian.oplog.service import ConsoleOrigin
from xiaodian.reviews import merchant
from xiaodian.reviews import service as reviews
from xiaodian.reviews.schemas import AdminReviewQuery, ReviewReplyIn

router = APIRouter()
section = Section(
    key="reviews", title="评价管理", path="/reviews", icon="reviews", group="用户", router=router
)
FILTERS = ("score", "hidden", "unreplied", "held", "goods_id", "page")


@router.get("/reviews")
async def review_list(request: Request, _admin: ConsoleAdmin, session: SessionDep) -> Response:
    filters = {name: request.query_params.get(name, "") for name in FILTERS}
    page = await reviews.admin_list(session, lenient(AdminReviewQuery, filters))
    return render(
        request,
        "reviews/_results.html" if is_htmx(request) else "reviews/list.html",
        section="reviews",
        page=page,
        filters=filters,
    )


@router.post("/reviews/{review_id}/reply")
async def reply(
    review_id: IdPath,
    request: Request,
    admin: ConsoleAdmin,
    origin: ConsoleOrigin,
    session: SessionDep,
) -> Response:
    typed = text(await read_form(request), "reply")
    body, errors = validate(ReviewReplyIn, {"reply": typed})
    context = context_of(request)
    if body is None:
        # Only the message goes back, into the slot under this review's reply box.
        return HTMLResponse(
            escape(errors.get("reply", "填写有误")),
            status_code=422,
            headers={"HX-Retarget": f"#reply-error-{review_id}", "HX-Reswap": "innerHTML"},
        )
    review = await merchant.reply(
        session,
        admin=admin,
        origin=origin,
        review_id=review_id,
        text=body.reply,
        near_cache=context.near_cache,
    )
    response = render(request, "reviews/_card.html", review=review)
    return toast(response, "回复已保存" if body.reply else "回复已删除")


@router.post("/reviews/{review_id}/visibility")
async def visibility(
    review_id: IdPath,
    request: Request,
    admin: ConsoleAdmin,
    origin: ConsoleOrigin,
    session: SessionDep,
) -> Response:
    hidden = (await read_form(request)).get("is_hidden") == "true"
    context = context_of(request)
    review = await merchant.set_hidden(
        session,
        admin=admin,
        origin=origin,
        review_id=review_id,
        hidden=hidden,
        near_cache=context.near_cache,
    )
    response = render(request, "reviews/_card.html", review=review)
    return toast(response, "评价已隐藏" if hidden else "评价已恢复显示")
