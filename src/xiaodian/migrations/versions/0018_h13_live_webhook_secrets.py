"""h13 live: webhook secrets encrypted at rest

`webhook_endpoints.secret` (plaintext) becomes `secret_sealed`: AES-256-GCM under a key derived
with HKDF-SHA256 from `XIAODIAN_SECRET_KEY` (`xiaodian.sync.sealing`; the format is written out
here so this migration never changes with that module). Existing rows are sealed on the way,
which needs the secret key: `xiaodian migrate` passes the settings' one; otherwise
`XIAODIAN_SECRET_KEY` from the environment. With rows to seal and no key the upgrade stops
before changing anything.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PREFIX = "v1:"
_INFO = b"xiaodian/webhook-secrets/v1"
_AAD = b"webhook_endpoints.secret_sealed"

_endpoints = sa.table(
    "webhook_endpoints",
    sa.column("id", sa.BigInteger),
    sa.column("secret", sa.String),
    sa.column("secret_sealed", sa.String),
)


def _cipher() -> AESGCM:
    secret_key = context.config.attributes.get("secret_key") or os.environ.get(
        "XIAODIAN_SECRET_KEY", ""
    )
    if not secret_key:
        raise RuntimeError(
            "webhook secrets are stored in plaintext: set XIAODIAN_SECRET_KEY to encrypt them"
        )
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        secret_key.encode()
    )
    return AESGCM(key)


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(_endpoints.c.id, _endpoints.c.secret)).all()
    cipher = _cipher() if rows else None
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.add_column(sa.Column("secret_sealed", sa.String(length=160), nullable=True))
    for endpoint_id, secret in rows:
        assert cipher is not None
        nonce = os.urandom(12)
        sealed = cipher.encrypt(nonce, secret.encode(), _AAD)
        connection.execute(
            _endpoints.update()
            .where(_endpoints.c.id == endpoint_id)
            .values(secret_sealed=_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode())
        )
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.alter_column("secret_sealed", existing_type=sa.String(length=160), nullable=False)
        batch.drop_column("secret")


def downgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(_endpoints.c.id, _endpoints.c.secret_sealed)).all()
    cipher = _cipher() if rows else None
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.add_column(sa.Column("secret", sa.String(length=64), nullable=True))
    for endpoint_id, sealed in rows:
        assert cipher is not None
        raw = base64.urlsafe_b64decode(sealed.removeprefix(_PREFIX))
        secret = cipher.decrypt(raw[:12], raw[12:], _AAD).decode()
        connection.execute(
            _endpoints.update().where(_endpoints.c.id == endpoint_id).values(secret=secret)
        )
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.alter_column("secret", existing_type=sa.String(length=64), nullable=False)
        batch.drop_column("secret_sealed")
