"""Opaque bearer tokens stored as SHA-256 hashes; revocable one by one or all at once."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import ColumnElement, Select, Table, and_, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.core import clock
from xiaodian.core.security import hash_token, new_token
from xiaodian.models import AuthToken

Subject = Literal["user", "admin"]
_tokens = cast(Table, AuthToken.__table__)


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime


async def issue_token(
    session: AsyncSession, *, subject: Subject, subject_id: int, ttl: timedelta
) -> IssuedToken:
    """A new random token for the subject; only its hash is stored."""
    token, token_hash = new_token()
    expires_at = clock.now() + ttl
    session.add(
        AuthToken(
            token_hash=token_hash, subject=subject, subject_id=subject_id, expires_at=expires_at
        )
    )
    await session.flush()
    return IssuedToken(token=token, expires_at=expires_at)


@functools.cache
def live_token(subject: Subject, *, several: bool = False) -> ColumnElement[bool]:
    """The condition an auth_tokens row meets when it is the `subject` token hashed
    `:token_hash` (`several`: one of those hashed `:token_hashes`), neither revoked nor
    expired at `:now` (to join the subject's own row to in the same statement). Built once
    per subject: it runs on every signed-in request; bind `live_token_params(token)`."""
    hashed = (
        _tokens.c.token_hash.in_(bindparam("token_hashes", expanding=True))
        if several
        else _tokens.c.token_hash == bindparam("token_hash")
    )
    return and_(
        hashed,
        _tokens.c.subject == subject,
        _tokens.c.revoked_at.is_(None),
        _tokens.c.expires_at > bindparam("now"),
    )


def live_token_params(token: str) -> dict[str, Any]:
    """The parameters of `live_token` for `token`, now."""
    return {"token_hash": hash_token(token), "now": clock.now()}


@functools.cache
def _subject_id_statement(subject: Subject) -> Select[int]:
    return select(_tokens.c.subject_id).where(live_token(subject))


async def resolve_token(session: AsyncSession, *, token: str, subject: Subject) -> int | None:
    """The subject id of a live (unexpired, unrevoked) token, else None."""
    row = await session.execute(_subject_id_statement(subject), live_token_params(token))
    return row.scalar_one_or_none()


async def revoke_token(session: AsyncSession, *, token: str) -> None:
    """Make the token unusable from now on (logout)."""
    await session.execute(
        update(AuthToken)
        .where(AuthToken.token_hash == hash_token(token), AuthToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )


async def revoke_all(session: AsyncSession, *, subject: Subject, subject_id: int) -> None:
    """Log the subject out everywhere (password change, account disabled)."""
    await session.execute(
        update(AuthToken)
        .where(
            AuthToken.subject == subject,
            AuthToken.subject_id == subject_id,
            AuthToken.revoked_at.is_(None),
        )
        .values(revoked_at=clock.now())
    )
