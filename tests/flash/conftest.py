from __future__ import annotations

from collections.abc import Iterator

import pytest

from xiaodian.context import AppContext
from xiaodian.flash import runtime


@pytest.fixture(autouse=True)
def _fresh_gate(context: AppContext) -> Iterator[None]:
    """Each test starts with a gate that knows nothing (wiped databases reuse ids)."""
    runtime.reset(context)
    yield
