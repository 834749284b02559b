"""Coupons (优惠券) and full-reduction promotions (满减活动): claimed, applied at checkout as
pricing adjustments, locked by one order, used when it is paid, released when it closes."""
