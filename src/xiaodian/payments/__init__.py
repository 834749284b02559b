"""Payments: WeChat Pay (v3, or v2) and Alipay, notifications, refunds, reconciliation."""
