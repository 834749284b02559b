"""The import-layers contract (`[tool.importlinter]` in pyproject.toml, run by `make lint`):
it holds on the real tree, and `lint-imports` fails on a copy of the package with a planted
violation (so the check is not one that cannot fail)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import xiaodian

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(xiaodian.__file__).resolve().parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(*, python_path: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if python_path is not None:
        env["PYTHONPATH"] = str(python_path)
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(ROOT / "pyproject.toml")],
        cwd=python_path or ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _copy_of_the_package(tmp_path: Path) -> Path:
    shutil.copytree(PACKAGE, tmp_path / "xiaodian", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_the_real_tree_keeps_every_import_contract() -> None:
    result = _lint()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout and " 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "planted", "expected"),
    [
        # the bottom layer reaching up into a domain
        (
            "core/money.py",
            "from xiaodian.orders import state",
            "xiaodian.core.money -> xiaodian.orders",
        ),
        # one of the pairs that used to import each other, catalog <-> users, again
        (
            "catalog/api.py",
            "from xiaodian.users import service",
            "xiaodian.catalog.api -> xiaodian.users",
        ),
        # two domains of one row (independent) importing each other
        (
            "payments/api.py",
            "from xiaodian.users import schemas",
            "xiaodian.payments.api -> xiaodian.users",
        ),
        # the pure pricing pipeline reading the database
        ("pricing/split.py", "import sqlalchemy", "xiaodian.pricing.split -> sqlalchemy"),
    ],
)
def test_a_planted_violation_breaks_the_contract(
    tmp_path: Path, module: str, planted: str, expected: str
) -> None:
    copy = _copy_of_the_package(tmp_path)
    target = copy / "xiaodian" / module
    target.write_text(target.read_text() + f"\n{planted}  # planted by the test\n")
    result = _lint(python_path=copy)
    assert result.returncode == 1, result.stdout + result.stderr
    assert expected in result.stdout, result.stdout


def test_a_new_package_must_take_a_row_in_the_layers(tmp_path: Path) -> None:
    copy = _copy_of_the_package(tmp_path)
    (copy / "xiaodian" / "coupons_planted").mkdir()
    (copy / "xiaodian" / "coupons_planted" / "__init__.py").write_text("")
    result = _lint(python_path=copy)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "xiaodian.coupons_planted" in result.stdout, result.stdout
