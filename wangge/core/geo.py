"""Coordinate systems used in China and conversion to the stored WGS-84.

Phones and the browser's Geolocation API give WGS-84; 高德, 腾讯 and WeChat give GCJ-02; 百度
gives BD-09. Everything is stored in WGS-84. The GCJ-02 inverse is an iterative approximation
accurate to well under a metre (prcoords' "bored" variants); points outside mainland China are
not offset by either system and pass through unchanged.
"""

from __future__ import annotations

from enum import StrEnum

import prcoords


class CRS(StrEnum):
    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


CRS_ALIASES = {
    "wgs84": CRS.WGS84,
    "wgs-84": CRS.WGS84,
    "epsg:4326": CRS.WGS84,
    "gps": CRS.WGS84,
    "gcj02": CRS.GCJ02,
    "gcj-02": CRS.GCJ02,
    "amap": CRS.GCJ02,
    "gaode": CRS.GCJ02,
    "tencent": CRS.GCJ02,
    "wechat": CRS.GCJ02,
    "bd09": CRS.BD09,
    "bd-09": CRS.BD09,
    "baidu": CRS.BD09,
}


class CoordinateError(ValueError):
    """A coordinate the user supplied cannot be used; the message says why, in Chinese."""


def parse_crs(value: str | None) -> CRS:
    if value in (None, ""):
        return CRS.WGS84
    crs = CRS_ALIASES.get(str(value).strip().lower())
    if crs is None:
        raise CoordinateError(f"不支持的坐标系 “{value}”，可选 wgs84、gcj02、bd09")
    return crs


def check_lat_lng(lat: float | str, lng: float | str) -> tuple[float, float]:
    """Numbers (or the text of numbers, as a query string carries them) within range."""
    try:
        lat, lng = float(lat), float(lng)
    except (TypeError, ValueError) as exc:
        raise CoordinateError("经纬度必须是数字") from exc
    if lat != lat or lng != lng:  # NaN
        raise CoordinateError("经纬度必须是数字")
    if not -90.0 <= lat <= 90.0:
        raise CoordinateError(f"纬度 {lat} 超出范围（-90 到 90）")
    if not -180.0 <= lng <= 180.0:
        raise CoordinateError(f"经度 {lng} 超出范围（-180 到 180）")
    return lat, lng


def to_wgs84(lat: float, lng: float, crs: CRS | str = CRS.WGS84) -> tuple[float, float]:
    """Return (lat, lng) in WGS-84 for a validated point given in `crs`."""
    lat, lng = check_lat_lng(lat, lng)
    crs = parse_crs(crs) if not isinstance(crs, CRS) else crs
    if crs is CRS.WGS84:
        return lat, lng
    src = prcoords.Coords(lat, lng)
    out = prcoords.gcj_wgs_bored(src) if crs is CRS.GCJ02 else prcoords.bd_wgs_bored(src)
    return out.lat, out.lon


def from_wgs84(lat: float, lng: float, crs: CRS | str) -> tuple[float, float]:
    """The inverse, for tests and for handing points to Chinese map SDKs."""
    crs = parse_crs(crs) if not isinstance(crs, CRS) else crs
    if crs is CRS.WGS84:
        return lat, lng
    src = prcoords.Coords(lat, lng)
    out = prcoords.wgs_gcj(src) if crs is CRS.GCJ02 else prcoords.wgs_bd(src)
    return out.lat, out.lon


METRES_PER_DEGREE = 111_320.0
