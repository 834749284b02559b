from __future__ import annotations

from xiaodian.core.errors import LimitExceeded, NotFound


class AddressNotFound(NotFound):
    code = "address_not_found"
    default_message = "收货地址不存在"


class TooManyAddresses(LimitExceeded):
    code = "too_many_addresses"
    default_message = "收货地址最多 20 个"
