from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.integrations.payenv import PayEnv, build_pay_env
from xiaodian.sandbox.keys import DemoKeySet, generate_demo_keys


@pytest.fixture(scope="session")
def demo_keys() -> DemoKeySet:
    return generate_demo_keys()


@pytest.fixture
async def pay(demo_keys: DemoKeySet) -> AsyncIterator[PayEnv]:
    env = build_pay_env(demo_keys)
    yield env
    await env.aclose()
