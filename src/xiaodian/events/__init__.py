"""Typed domain events, their receivers in one registry, and the durable outbox.

A domain action emits an event (a frozen dataclass) into its session. Each receiver is
registered in `xiaodian.receivers` (one place, not import side effects) with a mode:

- `in_transaction`: runs at once with the same session; its work commits or rolls back with
  the action (close a prepay when its order closes).
- `durable`: an outbox row is written in the same transaction; after the commit the outbox
  drainer (the worker, or the server itself in one-process setups) runs the receiver with
  retries and backoff and marks the row done. A crash after the commit loses nothing; the
  receiver must be idempotent (it is run again if the process dies before the row is marked).
- `after_commit`: runs in memory once the transaction has committed; may be lost on a crash
  (cache invalidation, live pushes), never runs for a rolled-back change.
"""

from xiaodian.events.base import Event, Mode, Receiver, Registry, registry
from xiaodian.events.emit import deliver_committed, emit, only_after_commit

__all__ = [
    "Event",
    "Mode",
    "Receiver",
    "Registry",
    "deliver_committed",
    "emit",
    "only_after_commit",
    "registry",
]
