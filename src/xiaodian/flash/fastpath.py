"""The flash order route's crowd answered before routing: a pure ASGI middleware.

At a flash sale nearly every request is refused (已抢光, 已达限购, too fast), and the gate
decides that in one Redis call. Routing the request through the framework first (matching
every shopper route, solving the route's dependencies, validating the body with pydantic,
raising and rendering the refusal) costs several times the gate itself, so a request to
`POST /api/v1/flash-sales/items/{id}/orders` from a shopper this process (or the identity
mirror) already knows, with a plain JSON body, is put to the gate here:

- refused: the answer is written here, exactly as the route's error handler would;
- let through: the request goes on to the route with the gate's answer in its scope
  (`GATED`), and the route places the order without asking the gate again. If the route never
  takes it over (a body the route refuses after all, a disconnect), the units go back.

Anything else (no or unknown token, another body shape, a chunked or large body, an error
talking to Redis) simply goes on to the route, which does the same steps the slow way."""

from __future__ import annotations

import re
from dataclasses import dataclass

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xiaodian.auth import identity
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.dbtypes import MAX_ID
from xiaodian.core.errors import ShopError
from xiaodian.core.http import shop_error_response
from xiaodian.core.security import hash_token
from xiaodian.flash import service
from xiaodian.flash.gate import Rule
from xiaodian.flash.runtime import runtime
from xiaodian.flash.schemas import MAX_ORDER_QUANTITY

GATED = "xiaodian.flash.gated"
"""The scope key under which the middleware hands a gate answer to the route."""

_PATH = re.compile(r"/api/v1/flash-sales/items/([1-9][0-9]{0,17})/orders")
_SMALL_BODY = 4096


async def known_shopper(context: AppContext, token_hash: str) -> int | None:
    """The shopper this process remembers for the token, or the identity mirror's (then
    remembered here too); None when neither knows it (the database must be asked)."""
    state = runtime(context)
    user_id = state.identity(token_hash)
    if user_id is None:
        user_id = await identity.recall(context.redis, token_hash)
        if user_id is not None:
            state.keep_identity(token_hash, user_id)
    return user_id


@dataclass
class Gated:
    """Units the gate gave this request; `taken_over` once the route is responsible."""

    rule: Rule
    user_id: int
    quantity: int
    taken_over: bool = False


class FlashRefusals:
    def __init__(self, app: ASGIApp, *, context: AppContext) -> None:
        self.app = app
        self.context = context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        matched = _PATH.fullmatch(scope["path"])
        headers = _headers(scope) if matched else None
        if matched is None or headers is None:
            await self.app(scope, receive, send)
            return
        token, length = headers
        user_id = await known_shopper(self.context, hash_token(token))
        if user_id is None or length > _SMALL_BODY:
            await self.app(scope, receive, send)
            return
        messages, body = await _read_body(receive)
        replay = _replaying(messages, receive)
        order = _order_body(body)
        if order is None:
            await self.app(scope, replay, send)
            return
        quantity, _address_id = order
        item_id = int(matched.group(1))
        client = scope.get("client")
        counts = service.rate_counts(
            self.context.settings,
            user_id=user_id,
            address=client[0] if client else "unknown",
            now=clock.now(),
        )
        try:
            rule = await service.pass_gate(
                self.context, item_id=item_id, user_id=user_id, quantity=quantity, counts=counts
            )
        except ShopError as refused:
            await shop_error_response(refused)(scope, replay, send)
            return
        except Exception:
            await self.app(scope, replay, send)
            return
        gated = Gated(rule=rule, user_id=user_id, quantity=quantity)
        try:
            await self.app({**scope, GATED: gated}, replay, send)
        finally:
            if not gated.taken_over:
                await runtime(self.context).gate.give_back(
                    item_id, user_id=user_id, quantity=quantity
                )


def _headers(scope: Scope) -> tuple[str, int] | None:
    """The bearer token and the declared body length of a JSON request, or None."""
    token: str | None = None
    length: int | None = None
    json_body = False
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, rest = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and rest.strip():
                token = rest.strip()
        elif name == b"content-length":
            length = int(value) if value.isdigit() else None
        elif name == b"content-type":
            json_body = value.split(b";", 1)[0].strip().lower() == b"application/json"
    if token is None or length is None or not json_body:
        return None
    return token, length


async def _read_body(receive: Receive) -> tuple[list[Message], bytes]:
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return messages, b"".join(chunks)


def _replaying(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


def _order_body(body: bytes) -> tuple[int, int] | None:
    """(quantity, address_id) of a body the route's model would accept as it is: plain
    integers in range, nothing the model would have to coerce; None for anything else."""
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(parsed, dict):
        return None
    quantity = parsed.get("quantity", 1)
    address_id = parsed.get("address_id")
    if type(quantity) is not int or type(address_id) is not int:
        return None
    if not 1 <= quantity <= MAX_ORDER_QUANTITY or not 1 <= address_id <= MAX_ID:
        return None
    return quantity, address_id
