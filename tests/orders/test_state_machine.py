"""The state machine's shape: only the actions move orders, and the docs draw what the code has."""

from __future__ import annotations

import ast
from pathlib import Path

from xiaodian.orders.diagram import mermaid

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "xiaodian"
MOVERS = {SOURCE / "orders" / "state.py", SOURCE / "orders" / "actions.py"}


def _calls_transition(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == "transition")
            or (isinstance(node.func, ast.Attribute) and node.func.attr == "transition")
        )
    ]


def test_only_the_order_actions_call_transition() -> None:
    offenders = {
        str(path.relative_to(ROOT)): lines
        for path in SOURCE.rglob("*.py")
        if path not in MOVERS and (lines := _calls_transition(path))
    }
    assert offenders == {}


def test_the_guard_would_see_a_planted_call(tmp_path: Path) -> None:
    planted = tmp_path / "rogue.py"
    planted.write_text("async def f(s, o):\n    await state.transition(s, order=o)\n")
    assert _calls_transition(planted) == [2]


def test_the_documented_diagram_is_the_state_machine() -> None:
    doc = (ROOT / "docs" / "orders.md").read_text(encoding="utf-8")
    drawn = doc.split("<!-- diagram:start -->")[1].split("<!-- diagram:end -->")[0]
    assert drawn.strip() == f"```mermaid\n{mermaid()}```"
