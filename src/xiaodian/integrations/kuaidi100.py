"""Kuaidi100 real-time query (`/poll/query.do`): form fields `customer`, `param` (JSON) and
`sign = UPPER(md5(param + key + customer))` (PROTOCOLS-2.md §3)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import httpx

STATE_WORDS = {
    "0": "运输中",
    "1": "已揽收",
    "2": "疑难",
    "3": "已签收",
    "4": "退签",
    "5": "派件中",
    "6": "退回中",
    "7": "转投",
    "14": "拒签",
}


@dataclass(frozen=True)
class TrackPoint:
    time: str
    context: str


@dataclass(frozen=True)
class Tracking:
    state: str
    state_text: str
    points: tuple[TrackPoint, ...]
    """Newest first."""


class TrackingError(Exception):
    def __init__(self, message: str, *, status: str = "") -> None:
        super().__init__(message)
        self.status = status


def sign(param: str, key: str, customer: str) -> str:
    return hashlib.md5((param + key + customer).encode()).hexdigest().upper()  # noqa: S324


async def query(
    http: httpx.AsyncClient,
    *,
    base_url: str,
    customer: str,
    key: str,
    company: str,
    number: str,
    phone: str = "",
) -> Tracking:
    param = json.dumps(
        {
            "com": company,
            "num": number,
            "phone": phone,
            "resultv2": "0",
            "show": "0",
            "order": "desc",
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    try:
        response = await http.post(
            f"{base_url}/poll/query.do",
            data={"customer": customer, "param": param, "sign": sign(param, key, customer)},
        )
        body = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise TrackingError(f"kuaidi100 unreachable: {type(error).__name__}") from error
    if not isinstance(body, dict):
        raise TrackingError("kuaidi100 answered something that is not an object")
    if str(body.get("status")) != "200" or "data" not in body:
        raise TrackingError(
            str(body.get("message") or "kuaidi100 error"), status=str(body.get("returnCode", ""))
        )
    state = str(body.get("state", "0"))
    points = tuple(
        TrackPoint(time=str(item.get("time", "")), context=str(item.get("context", "")))
        for item in body.get("data") or []
        if isinstance(item, dict)
    )
    return Tracking(state=state, state_text=STATE_WORDS.get(state, "运输中"), points=points)
