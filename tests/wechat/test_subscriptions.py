"""Subscribe messages: templates mapped by the merchant, one-time grants counted and spent,
sent after the commit, value rules, 43101 and 47003 without a retry storm."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from tests.payments.helpers import buyer_confirms, ordered, prepay, settle
from tests.wechat.conftest import platform
from tests.wechat.helpers import admin, ship
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.events import outbox
from xiaodian.models import OutboxEntry, SubscribeMessage
from xiaodian.wechat.subscriptions import fit_value

PAID_FIELDS = {
    "character_string1": "order_no",
    "thing2": "goods_title",
    "amount3": "total",
    "phrase4": "status",
}


async def _template(
    client: httpx.AsyncClient, merchant: dict[str, str], event: str, template_id: str, **extra: Any
) -> None:
    response = await client.put(
        f"/api/admin/v1/wechat/templates/{event}",
        json={"template_id": template_id, "fields": PAID_FIELDS, **extra},
        headers=merchant,
    )
    assert response.status_code == 200, response.text


async def _grant(client: httpx.AsyncClient, headers: dict[str, str], **answers: str) -> Any:
    response = await client.post("/api/v1/me/subscriptions", json=answers, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def _pay(
    app: FastAPI,
    client: httpx.AsyncClient,
    context: AppContext,
    headers: dict[str, str],
    order: dict[str, Any],
) -> None:
    params = await prepay(client, headers, order["id"])
    await buyer_confirms(context, params)
    await settle(app)


async def _messages(context: AppContext) -> list[tuple[str, str]]:
    async with context.db.transaction(write=False) as session:
        rows = await session.execute(select(SubscribeMessage.event, SubscribeMessage.status))
        return [(event, status) for event, status in rows]


async def test_grants_are_counted_and_one_is_spent_per_message(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    merchant = await admin(client, context)
    await _template(client, merchant, "paid", "TPL_PAID")
    _, headers, order = await ordered(client, context, openid="sub-1", prices=[12345])
    assert (await client.get("/api/v1/me/subscriptions", headers=headers)).json() == {
        "grants": {},
        "templates": {"paid": "TPL_PAID"},
    }
    await _grant(client, headers, TPL_PAID="accept")
    answer = await _grant(client, headers, TPL_PAID="accept", TPL_OTHER="reject")
    assert answer["grants"] == {"TPL_PAID": 2, "TPL_OTHER": 0}

    await _pay(app, client, context, headers, order)
    [sent] = platform(app).received["subscribe_send"]
    assert sent["touser"] == "sub-1"
    assert sent["template_id"] == "TPL_PAID"
    assert sent["page"] == f"subpackages/order/detail/index?orderId={order['id']}"
    assert sent["data"] == {
        "character_string1": {"value": order["order_no"]},
        "thing2": {"value": "苹果"},
        "amount3": {"value": f"¥{order['total_fen'] // 100}.{order['total_fen'] % 100:02d}"},
        "phrase4": {"value": "已支付"},
    }
    grants = (await client.get("/api/v1/me/subscriptions", headers=headers)).json()["grants"]
    assert grants["TPL_PAID"] == 1
    assert await _messages(context) == [("paid", "sent")]
    # the outbox entry delivered again sends nothing twice and spends nothing
    async with context.db.transaction() as session:
        entry = await session.scalar(
            select(OutboxEntry).where(OutboxEntry.receiver.like("%on_paid%"))
        )
        assert entry is not None
        entry.status = "pending"
    await outbox.drain(context)
    assert len(platform(app).received["subscribe_send"]) == 1
    grants = (await client.get("/api/v1/me/subscriptions", headers=headers)).json()["grants"]
    assert grants["TPL_PAID"] == 1


async def test_no_grant_no_message(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    merchant = await admin(client, context)
    await _template(client, merchant, "paid", "TPL_PAID")
    _, headers, order = await ordered(client, context, openid="sub-2")
    await _pay(app, client, context, headers, order)
    assert "subscribe_send" not in platform(app).received
    assert await _messages(context) == [("paid", "no_grant")]


async def test_a_refusal_voids_the_grants_and_is_not_retried(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    merchant = await admin(client, context)
    await _template(client, merchant, "paid", "TPL_PAID")
    await _template(client, merchant, "shipped", "TPL_SHIP")
    _, headers, order = await ordered(client, context, openid="sub-3")
    await _grant(client, headers, TPL_PAID="accept", TPL_SHIP="accept")
    await _grant(client, headers, TPL_PAID="accept")
    platform(app).unsubscribed.add(("sub-3", "TPL_PAID"))
    await _pay(app, client, context, headers, order)
    assert await _messages(context) == [("paid", "refused")]
    grants = (await client.get("/api/v1/me/subscriptions", headers=headers)).json()["grants"]
    assert grants == {"TPL_PAID": 0, "TPL_SHIP": 1}
    clock.freeze(clock.now() + timedelta(hours=1))
    await outbox.drain(context)
    assert platform(app).calls["subscribe_send"] == 1  # no retry storm
    # the other template still works
    await ship(client, merchant, order["id"])
    await settle(app)
    assert sorted(await _messages(context)) == [("paid", "refused"), ("shipped", "sent")]


async def test_an_invalid_value_is_not_retried_and_keeps_the_grant(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    merchant = await admin(client, context)
    await _template(client, merchant, "paid", "TPL_PAID")
    _, headers, order = await ordered(client, context, openid="sub-4")
    await _grant(client, headers, TPL_PAID="accept")
    platform(app).faults["subscribe_send"] = [47003]
    await _pay(app, client, context, headers, order)
    assert await _messages(context) == [("paid", "invalid")]
    clock.freeze(clock.now() + timedelta(hours=1))
    await outbox.drain(context)
    assert platform(app).calls["subscribe_send"] == 1
    grants = (await client.get("/api/v1/me/subscriptions", headers=headers)).json()["grants"]
    assert grants == {"TPL_PAID": 1}


async def test_a_busy_wechat_is_retried_by_the_outbox_and_spends_one_grant(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    merchant = await admin(client, context)
    await _template(client, merchant, "paid", "TPL_PAID")
    _, headers, order = await ordered(client, context, openid="sub-5")
    await _grant(client, headers, TPL_PAID="accept")
    await _grant(client, headers, TPL_PAID="accept")
    platform(app).faults["subscribe_send"] = [-1]
    await _pay(app, client, context, headers, order)
    assert await _messages(context) == []
    grants = (await client.get("/api/v1/me/subscriptions", headers=headers)).json()["grants"]
    assert grants == {"TPL_PAID": 2}  # given back until it is really sent
    clock.freeze(clock.now() + timedelta(minutes=1))
    await outbox.drain(context)
    assert await _messages(context) == [("paid", "sent")]
    assert platform(app).calls["subscribe_send"] == 2
    grants = (await client.get("/api/v1/me/subscriptions", headers=headers)).json()["grants"]
    assert grants == {"TPL_PAID": 1}


async def test_bad_reports_and_templates_are_refused(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    _, headers, _ = await ordered(client, context, openid="sub-6")
    assert (
        await client.post("/api/v1/me/subscriptions", json={"T": "maybe"}, headers=headers)
    ).status_code == 422
    too_many = {f"T{i}": "accept" for i in range(6)}
    assert (
        await client.post("/api/v1/me/subscriptions", json=too_many, headers=headers)
    ).status_code == 422
    assert (await client.post("/api/v1/me/subscriptions", json={"T": "accept"})).status_code == 401
    merchant = await admin(client, context)
    bad = await client.put(
        "/api/admin/v1/wechat/templates/paid",
        json={"template_id": "T", "fields": {"thing1": "password"}},
        headers=merchant,
    )
    assert bad.status_code == 422
    unknown = await client.put(
        "/api/admin/v1/wechat/templates/birthday", json={"template_id": "T"}, headers=merchant
    )
    assert unknown.status_code == 422
    assert (
        await client.put(
            "/api/admin/v1/wechat/templates/paid", json={"template_id": "T"}, headers=headers
        )
    ).status_code == 401


def test_values_obey_the_template_rules() -> None:
    long = "有机红富士苹果五斤装新鲜当季水果脆甜多汁产地直发"
    assert len(long) > 20
    fitted = fit_value("thing2", long)
    assert len(fitted) == 20 and fitted.endswith("…")
    assert fit_value("phrase3", "已经发货了啊") == "已经发货了"
    assert fit_value("character_string1", "2026120112000000001中") == "2026120112000000001"
    assert fit_value("thing4", "  ") == "-"
    assert len(fit_value("name5", "欧阳" * 8)) == 10


async def test_each_refund_result_is_its_own_message(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    merchant = await admin(client, context)
    await _template(client, merchant, "refund_result", "TPL_REFUND")
    _, headers, order = await ordered(client, context, openid="sub-7")
    await _pay(app, client, context, headers, order)
    await _grant(client, headers, TPL_REFUND="accept")
    await _grant(client, headers, TPL_REFUND="accept")
    for _ in range(2):
        asked = await client.post(
            f"/api/v1/orders/{order['id']}/refund", headers=headers, json={"reason": "不想要了"}
        )
        assert asked.status_code in (200, 201), asked.text
        refund = (await client.get("/api/admin/v1/refunds", headers=merchant)).json()["items"][0]
        rejected = await client.post(
            f"/api/admin/v1/refunds/{refund['id']}/reject",
            headers=merchant,
            json={"reason": "已发货"},
        )
        assert rejected.status_code == 200, rejected.text
        await settle(app)
    sent = platform(app).received["subscribe_send"]
    assert [m["data"]["phrase4"]["value"] for m in sent] == ["退款未通过"] * 2
    assert await _messages(context) == [("refund_result", "sent")] * 2


async def test_the_message_quota_is_waited_out_without_losing_the_grant(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    merchant = await admin(client, context)
    await _template(client, merchant, "paid", "TPL_PAID")
    _, headers, order = await ordered(client, context, openid="sub-8")
    await _grant(client, headers, TPL_PAID="accept")
    platform(app).messages_per_minute = 0
    await _pay(app, client, context, headers, order)
    assert await _messages(context) == []
    platform(app).messages_per_minute = 100
    clock.freeze(clock.now() + timedelta(minutes=1))
    await outbox.drain(context)
    assert await _messages(context) == [("paid", "sent")]
    grants = (await client.get("/api/v1/me/subscriptions", headers=headers)).json()["grants"]
    assert grants == {"TPL_PAID": 0}


async def test_group_members_hear_when_their_group_fills_or_fails(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    from xiaodian.groupbuy.events import GroupFailed, GroupFilled
    from xiaodian.wechat import subscriptions

    merchant = await admin(client, context)
    await _template(client, merchant, "group_filled", "TPL_FILLED")
    await _template(client, merchant, "group_failed", "TPL_FAILED")
    _, headers, order = await ordered(client, context, openid="sub-9")
    await _grant(client, headers, TPL_FILLED="accept", TPL_FAILED="accept")
    filled = GroupFilled(group_id=1, campaign_id=1, goods_id=1, order_ids=(order["id"],))
    await subscriptions.on_group_filled(context, filled)
    await subscriptions.on_group_filled(context, filled)  # delivered twice: sent once
    failed = GroupFailed(group_id=1, campaign_id=1, goods_id=1, refunded_order_ids=(order["id"],))
    await subscriptions.on_group_failed(context, failed)
    sent = platform(app).received["subscribe_send"]
    assert [m["template_id"] for m in sent] == ["TPL_FILLED", "TPL_FAILED"]
    assert sent[1]["data"]["phrase4"]["value"] == "拼团失败，"
    assert sorted(await _messages(context)) == [("group_failed", "sent"), ("group_filled", "sent")]
