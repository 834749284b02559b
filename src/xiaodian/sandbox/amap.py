"""The AMap (高德) Web Service simulator: geocode, regeo and distance, answered offline.

Answers the way AMap does (PROTOCOLS-2.md §1): every value a string, errors as HTTP 200 with
`status: "0"` and an infocode, empty fields as `[]`. Text addresses geocode to believable
points around the demo store (the same address always to the same point); an address with
"郊" in it lands 3.5–6 km out, one with "查无此地" is not found. Driving distances are the
great-circle distance times 1.2–1.35 (a fixed wiggle per pair) at about 20 km/h.

Faults for tests: `POST /amap/_control {"daily_quota": N}` answers 10003 after N more calls;
a key other than the configured one is 10001; a wrong `sig` (when a private key is set) 10007.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

DEMO_STORE_LAT = 31.2290
DEMO_STORE_LNG = 121.5560
DEMO_STORE_ADDRESS = "上海市浦东新区张杨路 1000 号（演示门店）"
SANDBOX_AMAP_KEY = "sandbox-amap-key"
EARTH_RADIUS_M = 6_371_008.8

_ERRORS = {
    "10001": "INVALID_USER_KEY",
    "10003": "DAILY_QUERY_OVER_LIMIT",
    "10007": "INVALID_USER_SIGNATURE",
    "20000": "INVALID_PARAMS",
}


@dataclass
class AmapSimulator:
    key: str = SANDBOX_AMAP_KEY
    private_key: str = ""
    daily_quota: int | None = None
    calls: int = 0

    def check(self, params: dict[str, str]) -> dict[str, str] | None:
        """The error answer for this call, or None to answer it."""
        if params.get("key") != self.key:
            return _error("10001")
        if self.private_key:
            given = params.get("sig", "")
            rest = {k: v for k, v in params.items() if k != "sig"}
            raw = "&".join(f"{k}={rest[k]}" for k in sorted(rest)) + self.private_key
            if given.lower() != hashlib.md5(raw.encode()).hexdigest():  # noqa: S324
                return _error("10007")
        if self.daily_quota is not None:
            if self.daily_quota <= 0:
                return _error("10003")
            self.daily_quota -= 1
        self.calls += 1
        return None


def _error(infocode: str) -> dict[str, str]:
    return {"status": "0", "info": _ERRORS[infocode], "infocode": infocode}


def _fraction(text: str, salt: str) -> float:
    digest = hashlib.sha256(f"{salt}:{text}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def point_for(address: str) -> tuple[float, float] | None:
    """(lat, lng) of a text address around the demo store; None if "not found"."""
    if "查无此地" in address:
        return None
    bearing = 2 * math.pi * _fraction(address, "bearing")
    if "郊" in address:
        distance = 3500 + 2500 * _fraction(address, "distance")
    else:
        distance = 200 + 2000 * _fraction(address, "distance")
    dlat = distance * math.cos(bearing) / EARTH_RADIUS_M
    dlng = distance * math.sin(bearing) / (EARTH_RADIUS_M * math.cos(math.radians(DEMO_STORE_LAT)))
    return DEMO_STORE_LAT + math.degrees(dlat), DEMO_STORE_LNG + math.degrees(dlng)


def _haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    phi1, phi2 = math.radians(a[0]), math.radians(b[0])
    h = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _parse(location: str) -> tuple[float, float]:
    lng, lat = location.split(",")
    return float(lat), float(lng)


class AmapControl(BaseModel):
    daily_quota: int | None = None


def amap_router(simulator: AmapSimulator) -> APIRouter:
    router = APIRouter(prefix="/amap", tags=["amap simulator"])

    @router.post("/_control")
    async def control(body: AmapControl) -> dict[str, Any]:
        simulator.daily_quota = body.daily_quota
        return {"daily_quota": simulator.daily_quota, "calls": simulator.calls}

    @router.get("/v3/geocode/geo")
    async def geocode(request: Request) -> dict[str, Any]:
        params = dict(request.query_params)
        if (error := simulator.check(params)) is not None:
            return error
        address = params.get("address", "")
        if not address:
            return _error("20000")
        point = point_for(address)
        if point is None:
            return {"status": "1", "info": "OK", "infocode": "10000", "count": "0", "geocodes": []}
        return {
            "status": "1",
            "info": "OK",
            "infocode": "10000",
            "count": "1",
            "geocodes": [
                {
                    "formatted_address": f"上海市浦东新区{address}",
                    "country": "中国",
                    "province": "上海市",
                    "citycode": "021",
                    "city": [],  # a municipality: AMap sends [] and the client falls back
                    "district": "浦东新区",
                    "township": [],
                    "street": [],
                    "number": [],
                    "adcode": "310115",
                    "location": f"{point[1]:.6f},{point[0]:.6f}",
                    "level": "门址",
                }
            ],
        }

    @router.get("/v3/geocode/regeo")
    async def regeo(request: Request) -> dict[str, Any]:
        params = dict(request.query_params)
        if (error := simulator.check(params)) is not None:
            return error
        try:
            lat, lng = _parse(params.get("location", ""))
        except ValueError:
            return _error("20000")
        number = 1 + int(_fraction(f"{lat:.5f},{lng:.5f}", "number") * 999)
        return {
            "status": "1",
            "info": "OK",
            "infocode": "10000",
            "regeocode": {
                "formatted_address": f"上海市浦东新区张杨路 {number} 号附近",
                "addressComponent": {
                    "province": "上海市",
                    "city": [],
                    "district": "浦东新区",
                    "adcode": "310115",
                    "citycode": "021",
                    "township": "花木街道",
                },
            },
        }

    @router.get("/v3/distance")
    async def distance(request: Request) -> dict[str, Any]:
        params = dict(request.query_params)
        if (error := simulator.check(params)) is not None:
            return error
        try:
            origins = [_parse(item) for item in params.get("origins", "").split("|")]
            destination = _parse(params.get("destination", ""))
        except ValueError:
            return _error("20000")
        if len(origins) > 100:
            return _error("20000")
        results = []
        for index, origin in enumerate(origins, start=1):
            straight = _haversine(origin, destination)
            factor = (
                1.0
                if params.get("type") == "0"
                else 1.2 + 0.15 * _fraction(f"{origin}>{destination}", "road")
            )
            metres = round(straight * factor)
            results.append(
                {
                    "origin_id": str(index),
                    "dest_id": "1",
                    "distance": str(metres),
                    "duration": str(round(metres / 5.5)),
                }
            )
        return {
            "status": "1",
            "info": "OK",
            "infocode": "10000",
            "count": str(len(results)),
            "results": results,
        }

    return router
