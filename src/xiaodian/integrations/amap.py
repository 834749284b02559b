"""AMap (高德) Web Service client: geocode, reverse geocode and distances, with answers cached.

AMap's quirks (PROTOCOLS-2.md §1): every value is a string, errors arrive as HTTP 200 with
`status: "0"` and an `infocode`, empty fields are `[]`. Requests are signed when a private key
is set (`sig = md5(sorted "k=v" joined by & + private key)`). Coordinates are GCJ-02, the same
as `wx.chooseLocation`. Without a key nothing is called: distances are great-circle times the
road factor and geocoding raises `GeocodingUnavailable` (the shopper picks a point instead).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from xiaodian.core.cache import Cache

EARTH_RADIUS_M = 6_371_008.8
CACHE_SECONDS = 7 * 24 * 3600
MAX_ORIGINS = 100


@dataclass(frozen=True)
class Point:
    lat: float
    lng: float

    @property
    def amap(self) -> str:
        """AMap's "lng,lat" with at most 6 decimals."""
        return f"{self.lng:.6f},{self.lat:.6f}"


@dataclass(frozen=True)
class Geocoded:
    point: Point
    formatted_address: str
    province: str
    city: str
    district: str
    level: str


@dataclass(frozen=True)
class Leg:
    distance_m: int
    duration_s: int


class AmapError(Exception):
    """AMap refused the call; `infocode` is AMap's (10001 bad key, 10003 daily quota…)."""

    def __init__(self, infocode: str, info: str) -> None:
        super().__init__(f"AMap {infocode} {info}")
        self.infocode = infocode
        self.info = info

    @property
    def over_quota(self) -> bool:
        return self.infocode in {"10003", "10004", "10010", "10014", "10015", "10019", "10044"}

    @property
    def bad_key(self) -> bool:
        return self.infocode in {"10001", "10002", "10005", "10007", "10009", "10013"}


class GeocodingUnavailable(Exception):
    """No AMap key: the address cannot be turned into a point here."""


class AddressNotFoundOnMap(Exception):
    """AMap answered but found no such address."""


def great_circle_m(a: Point, b: Point) -> float:
    """Haversine distance in metres."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dphi = phi2 - phi1
    dlmb = math.radians(b.lng - a.lng)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def sign(params: Mapping[str, str], private_key: str) -> str:
    """AMap's digital signature: md5 over the sorted raw `k=v` pairs plus the private key."""
    raw = "&".join(f"{k}={params[k]}" for k in sorted(params)) + private_key
    return hashlib.md5(raw.encode()).hexdigest()  # noqa: S324 - AMap's algorithm


def _text(value: Any) -> str:
    """AMap sends `[]` for an empty field."""
    return value if isinstance(value, str) else ""


@dataclass
class AmapClient:
    http: httpx.AsyncClient
    cache: Cache
    key: str
    base_url: str = "https://restapi.amap.com"
    private_key: str = ""
    road_factor: float = 1.3
    speed_m_per_s: float = 15_000 / 3600
    """Used for durations when distances are estimated (no key): a rider on an e-bike."""

    @property
    def enabled(self) -> bool:
        return bool(self.key)

    async def _get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        query = {**params, "key": self.key, "output": "JSON"}
        if self.private_key:
            query["sig"] = sign(query, self.private_key)
        response = await self.http.get(f"{self.base_url}{path}", params=query)
        response.raise_for_status()
        body = response.json()
        if not isinstance(body, dict):
            raise AmapError("-1", "unexpected answer")
        if body.get("status") != "1":
            raise AmapError(_text(body.get("infocode")) or "-1", _text(body.get("info")))
        return body

    async def _cached(self, key: str) -> Any:
        raw = await self.cache.get(f"amap:{key}")
        return json.loads(raw) if raw is not None else None

    async def _remember(self, key: str, value: Any) -> None:
        await self.cache.set(f"amap:{key}", json.dumps(value).encode(), ttl_seconds=CACHE_SECONDS)

    async def geocode(self, address: str, *, city: str = "") -> Geocoded:
        """The point of a text address (cached). Raises GeocodingUnavailable without a key,
        AddressNotFoundOnMap when AMap has no match, AmapError when AMap refuses."""
        if not self.enabled:
            raise GeocodingUnavailable()
        cache_key = "geo:" + hashlib.sha256(f"{city}|{address}".encode()).hexdigest()
        cached = await self._cached(cache_key)
        if cached is None:
            params = {"address": address}
            if city:
                params["city"] = city
            body = await self._get("/v3/geocode/geo", params)
            geocodes = body.get("geocodes") or []
            if not geocodes:
                raise AddressNotFoundOnMap(address)
            cached = geocodes[0]
            await self._remember(cache_key, cached)
        lng_text, lat_text = _text(cached.get("location")).split(",")
        province = _text(cached.get("province"))
        return Geocoded(
            point=Point(lat=float(lat_text), lng=float(lng_text)),
            formatted_address=_text(cached.get("formatted_address")),
            province=province,
            city=_text(cached.get("city")) or province,  # municipalities send city: []
            district=_text(cached.get("district")),
            level=_text(cached.get("level")),
        )

    async def regeo(self, point: Point) -> Geocoded:
        """The address at a point (cached)."""
        if not self.enabled:
            raise GeocodingUnavailable()
        cache_key = f"regeo:{point.amap}"
        cached = await self._cached(cache_key)
        if cached is None:
            body = await self._get("/v3/geocode/regeo", {"location": point.amap})
            cached = body.get("regeocode") or {}
            await self._remember(cache_key, cached)
        component = cached.get("addressComponent") or {}
        province = _text(component.get("province"))
        return Geocoded(
            point=point,
            formatted_address=_text(cached.get("formatted_address")),
            province=province,
            city=_text(component.get("city")) or province,
            district=_text(component.get("district")),
            level="",
        )

    def estimate(self, a: Point, b: Point) -> Leg:
        """Great-circle distance times the road factor, at the rider's speed."""
        distance = round(great_circle_m(a, b) * self.road_factor)
        return Leg(distance, round(distance / self.speed_m_per_s))

    async def distances_to(self, origins: Sequence[Point], destination: Point) -> list[Leg]:
        """Riding distance and time from each origin to `destination` (AMap `/v3/distance`,
        driving, at most 100 origins a call; cached per pair). Estimated without a key."""
        if not self.enabled:
            return [self.estimate(origin, destination) for origin in origins]
        legs: dict[int, Leg] = {}
        missing: list[int] = []
        for i, origin in enumerate(origins):
            cached = await self._cached(f"dist:{origin.amap}>{destination.amap}")
            if cached is not None:
                legs[i] = Leg(int(cached[0]), int(cached[1]))
            elif origin == destination:
                legs[i] = Leg(0, 0)
            else:
                missing.append(i)
        for start in range(0, len(missing), MAX_ORIGINS):
            chunk = missing[start : start + MAX_ORIGINS]
            body = await self._get(
                "/v3/distance",
                {
                    "origins": "|".join(origins[i].amap for i in chunk),
                    "destination": destination.amap,
                    "type": "1",
                },
            )
            for row in body.get("results") or []:
                index = chunk[int(row["origin_id"]) - 1]
                if "distance" not in row or _text(row.get("code")):
                    # no road between them: fall back to the estimate for this pair only
                    legs[index] = self.estimate(origins[index], destination)
                    continue
                leg = Leg(int(row["distance"]), int(row.get("duration") or 0))
                legs[index] = leg
                await self._remember(
                    f"dist:{origins[index].amap}>{destination.amap}",
                    [leg.distance_m, leg.duration_s],
                )
        for i in missing:
            if i not in legs:
                legs[i] = self.estimate(origins[i], destination)
        return [legs[i] for i in range(len(origins))]

    async def cached_distance(self, origin: Point, destination: Point) -> Leg:
        """An earlier AMap answer for the pair if there is one, else the estimate; never calls
        out (used inside transactions)."""
        if self.enabled:
            cached = await self._cached(f"dist:{origin.amap}>{destination.amap}")
            if cached is not None:
                return Leg(int(cached[0]), int(cached[1]))
        return self.estimate(origin, destination)

    async def matrix(self, points: Sequence[Point]) -> tuple[list[list[int]], list[list[int]]]:
        """Distance (m) and duration (s) between every pair of points: one call per column."""
        size = len(points)
        distance = [[0] * size for _ in range(size)]
        duration = [[0] * size for _ in range(size)]
        for j, destination in enumerate(points):
            for i, leg in enumerate(await self.distances_to(points, destination)):
                if i != j:
                    distance[i][j] = leg.distance_m
                    duration[i][j] = leg.duration_s
        return distance, duration
