"""Turning a text address into a point through AMap, with its failures as shop errors."""

from __future__ import annotations

from xiaodian.context import AppContext
from xiaodian.delivery.errors import AddressNotLocated, GeocodingFailed
from xiaodian.delivery.schemas import GeocodeOut
from xiaodian.delivery.service import amap_client
from xiaodian.integrations.amap import AddressNotFoundOnMap, AmapError, GeocodingUnavailable


async def geocode(context: AppContext, *, address: str, city: str) -> GeocodeOut:
    """The point of `address` (AMap, cached). Without a key: AddressNotLocated asking for a
    map pick; AMap refusing (bad key, over quota): GeocodingFailed. Opens no transaction."""
    try:
        found = await amap_client(context).geocode(address, city=city)
    except GeocodingUnavailable as error:
        raise AddressNotLocated("未开通地图服务，请在地图上选择收货地址的位置") from error
    except AddressNotFoundOnMap as error:
        raise AddressNotLocated("没有找到该地址，请在地图上选择位置") from error
    except AmapError as error:
        message = (
            "地图服务今日查询次数已用完，请在地图上选择位置"
            if error.over_quota
            else "地图服务暂时不可用，请在地图上选择位置"
        )
        raise GeocodingFailed(message, infocode=error.infocode) from error
    except Exception as error:  # network failure: the shopper can still pick on the map
        raise GeocodingFailed() from error
    return GeocodeOut(
        lat=found.point.lat,
        lng=found.point.lng,
        formatted_address=found.formatted_address,
        province=found.province,
        city=found.city,
        district=found.district,
    )
