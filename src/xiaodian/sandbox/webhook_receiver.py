"""A merchant system that receives webhooks, for tests and the demo: it records each request
(headers and raw body) by receiver name, and can be told to be down for the next N calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field


@dataclass
class WebhookReceiver:
    received: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    down_for: dict[str, int] = field(default_factory=dict)

    def clear(self) -> None:
        self.received.clear()
        self.down_for.clear()


class DownIn(BaseModel):
    calls: int = Field(ge=0, le=10_000)


def webhook_receiver_router(receiver: WebhookReceiver) -> APIRouter:
    router = APIRouter(prefix="/webhooks", tags=["webhook receiver"])

    @router.post("/{name}")
    async def receive(name: str, request: Request) -> JSONResponse:
        if receiver.down_for.get(name, 0) > 0:
            receiver.down_for[name] -= 1
            return JSONResponse({"ok": False, "error": "down"}, status_code=503)
        body = await request.body()
        receiver.received.setdefault(name, []).append(
            {"headers": dict(request.headers), "body": body.decode()}
        )
        return JSONResponse({"ok": True})

    @router.get("/{name}")
    async def received(name: str) -> list[dict[str, Any]]:
        return receiver.received.get(name, [])

    @router.post("/{name}/down")
    async def down(name: str, body: DownIn) -> dict[str, int]:
        receiver.down_for[name] = body.calls
        return {"down_for": body.calls}

    return router
