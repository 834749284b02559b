"""Merchant accounts."""
