"""What more than one bench script needs (imported as bench.benchlib; each script puts the
repository root on sys.path)."""

from __future__ import annotations

from urllib.parse import urlparse, urlunparse


def with_db(url: str, name: str) -> str:
    """The same server address, naming database `name`."""
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


def admin_sql(url: str, *statements: str) -> None:
    """Run statements (CREATE/DROP DATABASE …) on the server's `postgres` database."""
    import psycopg

    with psycopg.connect(with_db(url, "postgres"), autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)


def community_chain():
    """基准市 → 基准区 → 基准街道 → 基准社区 (+ 第一网格): the community, made once."""
    from portal import services
    from portal.models import Area

    found = Area.objects.filter(code="bench-community").first()
    if found is not None:
        return found
    city = Area.objects.filter(code="bench-city").first() or services.area_create(
        parent=None, kind="city", name="基准市", code="bench-city"
    )
    district = services.area_create(
        parent=city, kind="district", name="基准区", code="bench-district"
    )
    street = services.area_create(
        parent=district, kind="street", name="基准街道", code="bench-street"
    )
    community = services.area_create(
        parent=street, kind="community", name="基准社区", code="bench-community"
    )
    services.area_create(parent=community, kind="grid", name="第一网格", code="bench-grid")
    return community
