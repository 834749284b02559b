"""The order state machine drawn as a Mermaid diagram (`python -m xiaodian.orders.diagram`).

`docs/orders.md` carries the output between its markers; a test keeps the two equal.
"""

from __future__ import annotations

from xiaodian.orders.state import ALLOWED, REFUNDABLE, STATUS_TEXT, Status


def mermaid() -> str:
    lines = ["stateDiagram-v2", f"    [*] --> {Status.PENDING_PAYMENT}"]
    for status in Status:
        lines.append(f"    {status}: {status} {STATUS_TEXT[status]}")
    for source, target in sorted(
        ALLOWED,
        key=lambda move: (list(Status).index(Status(move[0])), list(Status).index(Status(move[1]))),
    ):
        lines.append(f"    {source} --> {target}")
    for final in (Status.CLOSED, Status.REFUNDED):
        lines.append(f"    {final} --> [*]")
    lines.append(
        "    note right of refund_requested: asked from "
        + ", ".join(sorted(REFUNDABLE))
        + "; back to the status it left when rejected"
    )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(mermaid(), end="")
