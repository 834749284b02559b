"""Structured JSON logs on stderr (one object a line), or plain text for people — never a secret.

Every record that reaches our handler passes `RedactingFilter` first: query-string and form
parameters, headers and JSON fields that carry secrets (``secret=``, ``js_code=``,
``Authorization: Bearer …``, ``"password": …``), PEM private keys, and every secret value the
process knows (registered with `register_secret`: the AppSecret, payment keys, the secret key,
database passwords) are replaced with ``[redacted]``. Libraries that log whole request URLs or
SQL parameters (httpx, httpcore, aiosqlite, SQLAlchemy) are kept at WARNING.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}
_NOT_WRITTEN = _STANDARD | {"color_message"}  # uvicorn's ANSI-coloured copy of the message
REDACTED = "[redacted]"
QUIET_LOGGERS = ("httpx", "httpcore", "aiosqlite", "sqlalchemy", "multipart", "python_multipart")
"""Loggers that would write request URLs, headers or SQL parameters at INFO or DEBUG."""

_SENSITIVE = (
    r"secret|app_?secret|client_secret|js_code|code|auth_code|token|access_token|refresh_token"
    r"|session_key|password|passwd|key|api_?key|apiv3_key|private_key|sign|signature|ticket"
    r"|authorization|cookie|set-cookie|x-csrf-token|csrf_token"
)
# name=value in a query string, a form body or a "key=value" message.
_PARAMETER = re.compile(rf"(?i)(?<![\w-])({_SENSITIVE})=([^&\s\"'#,;]+)")
# "name": "value" / 'name': 'value' in JSON or a Python repr.
_QUOTED_FIELD = re.compile(rf"(?i)([\"'])({_SENSITIVE})\1(\s*[:=]\s*)([\"'])(.*?)(?<!\\)\4")
# Header lines: "Authorization: Bearer …", "Cookie: …".
_HEADER = re.compile(r"(?im)^(\s*(?:authorization|cookie|set-cookie|x-csrf-token)\s*:\s*)(.+)$")
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=\-]{6,}")
_PEM = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", re.S
)
_SENSITIVE_KEY = re.compile(rf"(?i)^({_SENSITIVE})$")
# A `code` that is a word of a vocabulary (WeChat's ORDERPAID, our out_of_stock, an errcode) is
# kept: only a login or authorization code (mixed case and digits) is a secret.
_VOCABULARY = re.compile(r"^(?:[A-Z0-9_]+|[a-z_]+|-?\d+)$")
_MIN_SECRET_LENGTH = 6

_known_secrets: list[str] = []
"""Longest first, so that a secret containing another is replaced whole."""


def register_secret(*values: str | None) -> None:
    """Never write these values to the log (PEM keys: every line of their body, too)."""
    for value in values:
        if not value:
            continue
        value = value.strip()
        found = {value} if len(value) >= _MIN_SECRET_LENGTH else set()
        if "-----BEGIN" in value:
            found.update(
                line.strip()
                for line in value.splitlines()
                if len(line.strip()) >= 16 and not line.startswith("-----")
            )
        _known_secrets[:] = sorted(set(_known_secrets) | found, key=len, reverse=True)


def _conceal(name: str, value: str) -> str:
    if name.lower() == "code" and _VOCABULARY.match(value):
        return value
    return REDACTED


def redact(text: str) -> str:
    """`text` with every secret we can recognise replaced by ``[redacted]``."""
    if not text:
        return text
    for secret in _known_secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = _PEM.sub(REDACTED, text)
    text = _HEADER.sub(lambda m: m.group(1) + REDACTED, text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _QUOTED_FIELD.sub(
        lambda m: (
            f"{m.group(1)}{m.group(2)}{m.group(1)}{m.group(3)}"
            f"{m.group(4)}{_conceal(m.group(2), m.group(5))}{m.group(4)}"
        ),
        text,
    )
    return _PARAMETER.sub(lambda m: f"{m.group(1)}={_conceal(m.group(1), m.group(2))}", text)


def _redact_value(key: str, value: Any) -> Any:
    if _SENSITIVE_KEY.match(key):
        plain = isinstance(value, str | int) and not isinstance(value, bool)
        return value if plain and _conceal(key, str(value)) != REDACTED else REDACTED
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    rendered = json.dumps(value, ensure_ascii=False, default=str)
    cleaned = redact(rendered)
    return value if cleaned == rendered else cleaned


class RedactingFilter(logging.Filter):
    """Rewrites each record in place (message, extras, traceback) so that no handler after it,
    ours or anyone's, sees a secret."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what we can, still redacted
            message = f"{record.msg!s} {record.args!r}"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.exc_info = None  # the rendered, redacted traceback stands in for the exception
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD and not key.startswith("_"):
                record.__dict__[key] = _redact_value(key, value)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _NOT_WRITTEN and not key.startswith("_"):
                entry[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(
    *,
    json_lines: bool,
    level: str,
    secrets: Iterable[str | None] = (),
) -> None:
    """One handler on the root logger (JSON lines or text), behind the redacting filter."""
    register_secret(*secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if json_lines
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    # uvicorn.access is left to uvicorn: on with `serve --access-log`, silent otherwise.
