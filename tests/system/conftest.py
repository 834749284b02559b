"""The whole topology once for this package (MariaDB + Redis pass only): see topology.py.
Package scope, so its worker is stopped before the rest of the suite runs (it would drain
outbox rows other tests look at)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.system.topology import NGINX, Topology, start_topology
from xiaodian.config import Settings


@pytest.fixture(scope="package")
def topology(settings: Settings, migrated: str) -> Iterator[Topology]:
    if not settings.redis_url or settings.database_url.startswith("sqlite"):
        pytest.skip(
            "the system topology (nginx, two servers, a worker) needs MariaDB and Redis: "
            "set XIAODIAN_TEST_DATABASE_URL and XIAODIAN_TEST_REDIS_URL (make test-mariadb)"
        )
    if NGINX is None:
        pytest.skip("nginx is not installed (scripts/system-deps.sh installs it)")
    shop = start_topology(settings)
    try:
        yield shop
    finally:
        shop.close()
