"""Inventory: stock per SKU and pools per activity; every change emits `StockChanged`.

Stock is only ever changed here, by conditional updates that cannot take it below zero, rows
touched in primary-key order. Each transaction that changed stock emits one `StockChanged`
per SKU (and `QuotaChanged` per pool) with the value it left, delivered after the commit.
"""
