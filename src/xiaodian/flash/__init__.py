"""Flash sales (秒杀): sessions of items at a flash price, sold through an atomic gate.

The gate (`gate.py`: one Redis Lua script, or the same rules in-process without Redis)
answers sold-out and over-limit without the database; the database keeps the final say (the
item's inventory pool by conditional update, `flash_purchases` for the per-user limit).
"""
