"""The base map every page's map draws on: one setting, read here.

`MAP_TILES` is None (the embedded default and the tests: no tiles, the areas' outlines on
a plain background) or a dict:

- `url`: an XYZ tile URL template for Leaflet (`{z}`, `{x}`, `{y}`, optional `{s}`);
- `overlay_url` (optional): a second layer drawn on top (天地图's labels, `cva_w`);
- `subdomains` (optional): the values of `{s}`, e.g. "01234567";
- `attribution`: the text the tile provider asks to be shown;
- `key` (optional): written into `{key}` in both URLs (天地图's `tk`);
- `max_zoom` (optional, default 18).

`MAP_TILES_CRS` is "wgs84" (天地图, OpenStreetMap: no conversion) or "gcj02" (AMap,
Tencent): points are stored in WGS-84 and map.js shifts them for display, and shifts a
tapped point back before it fills the form.

The tile hosts are added to the CSP's img-src at request time
(`portal.security_headers.PortalCSPMiddleware`), so no page may load an image from any
other map host.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from django.conf import settings

CRS_CHOICES = ("wgs84", "gcj02")

# 天地图 (map.tianditu.gov.cn): vector map and its Chinese labels, Web Mercator tiles
# ("_w"), in CGCS2000, which is within centimetres of WGS-84: no conversion needed.
TIANDITU_URL = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}"
)


def tianditu(key: str) -> dict:
    """The MAP_TILES for 天地图 with a browser key (a 浏览器端 key bound to your domain)."""
    return {
        "url": TIANDITU_URL.replace("{layer}", "vec"),
        "overlay_url": TIANDITU_URL.replace("{layer}", "cva"),
        "subdomains": "01234567",
        "attribution": "© 天地图 国家地理信息公共服务平台",
        "key": key,
        "max_zoom": 18,
    }


def map_tiles() -> dict | None:
    """The tile source with `{key}` filled in, or None when there is none."""
    raw = getattr(settings, "MAP_TILES", None)
    if not raw or not raw.get("url"):
        return None
    key = str(raw.get("key") or "")
    out = {
        "url": str(raw["url"]).replace("{key}", key),
        "subdomains": str(raw.get("subdomains") or ""),
        "attribution": str(raw.get("attribution") or ""),
        "max_zoom": int(raw.get("max_zoom") or 18),
    }
    if raw.get("overlay_url"):
        out["overlay_url"] = str(raw["overlay_url"]).replace("{key}", key)
    return out


def map_crs() -> str:
    crs = str(getattr(settings, "MAP_TILES_CRS", "wgs84") or "wgs84").lower()
    return crs if crs in CRS_CHOICES else "wgs84"


def tile_origins() -> list[str]:
    """The origins tile images come from (each `{s}` subdomain spelled out), for img-src."""
    tiles = map_tiles()
    if tiles is None:
        return []
    subs = list(tiles["subdomains"]) or [""]
    origins = []
    for url in filter(None, (tiles["url"], tiles.get("overlay_url"))):
        for s in subs if "{s}" in url else [""]:
            parts = urlsplit(url.replace("{s}", s))
            if parts.scheme in ("http", "https") and parts.netloc:
                origins.append(f"{parts.scheme}://{parts.netloc}")
    return list(dict.fromkeys(origins))


def map_config_json() -> str:
    """What map.js needs to draw the base map, as JSON for a `data-config` attribute."""
    return json.dumps({"tiles": map_tiles(), "crs": map_crs()}, ensure_ascii=False)
