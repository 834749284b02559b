"""The merchant's own systems: API keys for machine clients, bulk stock set/adjust."""
