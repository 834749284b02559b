"""The WeChat platform tests: the platform simulator starts every test clean."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from xiaodian.sandbox.wechat_platform import PlatformSimulator


def platform(app: FastAPI) -> PlatformSimulator:
    return app.state.sandbox.state.platform  # type: ignore[no-any-return]


@pytest.fixture(autouse=True)
def _clean_platform(app: FastAPI) -> Iterator[None]:
    platform(app).clear()
    shutil.rmtree(app.state.context.settings.media_dir / "wxacode", ignore_errors=True)
    yield
    platform(app).clear()
