"""The words of the live channel: what a client sends, what the server sends, how it closes."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Op(StrEnum):
    """What a client sends: `{"op": ..., "goods_ids": [...]}`."""

    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    PING = "ping"


class FrameType(StrEnum):
    """What the server sends: `{"type": ..., ...}`."""

    SNAPSHOT = "snapshot"
    STOCK = "stock"
    PRICE = "price"
    OFF_SHELF = "off_shelf"
    FLASH_STOCK = "flash_stock"
    GROUP = "group"
    PONG = "pong"
    ERROR = "error"


class FrameError(StrEnum):
    """`code` of an error frame (the connection stays open)."""

    BAD_MESSAGE = "bad_message"
    """Not JSON, not an object, an unknown op or goods_ids that are not ids."""
    MESSAGE_TOO_LARGE = "message_too_large"
    TOO_MANY_GOODS = "too_many_goods"
    """The subscription would exceed the per-connection limit: nothing of it was taken."""


class CloseCode(IntEnum):
    """WebSocket close codes the client acts on (4000–4999 are the application's own)."""

    IDLE = 4000
    """Nothing heard from the client within the idle timeout: reconnect when needed."""
    TOKEN_INVALID = 4001
    """A `?token=` that is not a live shopper token: log in again or connect without one."""
    SLOW_CONSUMER = 4008
    """The client read too slowly and its queue overflowed: reconnect and take snapshots."""
    TOO_MANY_CONNECTIONS = 4029
    """Too many connections from this address: back off before reconnecting."""
    TOO_MANY_ERRORS = 4002
    """Too many malformed messages in a row."""
    GOING_AWAY = 1001
    """The server is shutting down: reconnect with backoff."""
