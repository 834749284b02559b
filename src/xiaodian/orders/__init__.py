"""Orders: checkout, the state machine, sweeps, shipping."""
