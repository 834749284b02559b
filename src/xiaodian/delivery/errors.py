from __future__ import annotations

from xiaodian.core.errors import Conflict, NotFound, ShopError


class AddressOutOfZone(Conflict):
    code = "address_out_of_zone"
    default_message = "您的地址不在配送范围内，可选择到店自提或快递"


class SlotFull(Conflict):
    code = "slot_full"
    default_message = "该配送时段已约满，请选择其他时段"


class SlotUnavailable(Conflict):
    code = "slot_unavailable"
    default_message = "该配送时段已截单或不存在，请选择其他时段"


class SlotRequired(ShopError):
    status_code = 400
    code = "slot_required"
    default_message = "请选择配送时段"


class AddressNotLocated(ShopError):
    status_code = 409
    code = "address_not_located"
    default_message = "无法确定该地址的位置，请在地图上选择收货地址"


class DeliveryMethodUnavailable(Conflict):
    code = "delivery_method_unavailable"
    default_message = "店铺暂不支持该配送方式"


class StoreNotLocated(Conflict):
    code = "store_not_located"
    default_message = "店铺还未设置门店位置，暂不能配送"


class GeocodingFailed(ShopError):
    status_code = 503
    code = "geocoding_failed"
    default_message = "地图服务暂时不可用，请稍后重试或在地图上选择位置"


class BatchNotFound(NotFound):
    code = "delivery_batch_not_found"
    default_message = "配送批次不存在"


class NothingToDeliver(Conflict):
    code = "nothing_to_deliver"
    default_message = "该时段没有待配送的已支付订单"


class RidersOverCapacity(Conflict):
    code = "riders_over_capacity"
    default_message = "骑手运力不足，请增加骑手人数"


class RiderLinkInvalid(ShopError):
    status_code = 403
    code = "rider_link_invalid"
    default_message = "配送链接无效或已过期"


class StopNotInRoute(NotFound):
    code = "stop_not_in_route"
    default_message = "该订单不在这条配送路线上"


class PickupCodeNotFound(NotFound):
    code = "pickup_code_not_found"
    default_message = "没有这个自提码，请核对后重新输入"


class PickupAlreadyDone(Conflict):
    code = "pickup_already_done"
    default_message = "该自提码已核销，订单已完成"


class PickupNotReady(Conflict):
    code = "pickup_not_ready"
    default_message = "该订单当前不能核销（未支付、退款中或已退款）"
