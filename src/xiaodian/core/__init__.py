"""Plumbing that knows no domain: database, cache, bus, clock, money, errors, security."""
