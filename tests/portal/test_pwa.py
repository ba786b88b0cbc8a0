"""The installable web app (issue 13): the manifest, the service worker served from the
site's root, and the offline page it keeps."""

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from portal import pwa
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_manifest_names_the_site_in_chinese_with_its_icons(client):
    r = client.get("/manifest.webmanifest")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/manifest+json")
    data = json.loads(r.content)
    assert data["name"] == "社区议事厅" and data["lang"] == "zh-Hans"
    assert data["start_url"] == "/" and data["scope"] == "/" and data["display"] == "standalone"
    sizes = {(i["sizes"], i["purpose"]) for i in data["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in data["icons"]:
        name = icon["src"].removeprefix("/static/")
        assert finders.find(name), icon["src"]
    assert data["shortcuts"][0]["url"] == reverse("triage:new")


def test_every_page_links_the_manifest_and_registers_the_worker(client):
    html = client.get(reverse("triage:index")).content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert 'data-service-worker="/sw.js"' in html


def test_the_worker_is_served_from_the_root_and_lists_the_shell():
    from django.test import Client

    r = Client().get("/sw.js")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/javascript")
    assert "no-cache" in r["Cache-Control"]
    body = r.content.decode()
    config = json.loads(re.search(r"const CONFIG = (\{.*?\});", body).group(1))
    assert config["offline"] == reverse("offline") and config["offline"] in config["shell"]
    assert "/static/portal/offline.js" in config["shell"]
    # It never answers a POST, and stores no page.
    assert 'request.method !== "GET"' in body
    assert "cache.put(request" in body and body.count("cache.put(") == 1


def test_a_changed_static_file_changes_the_workers_version(monkeypatch):
    first = pwa._worker_config()["version"]
    real = pwa._file_bytes
    monkeypatch.setattr(
        pwa, "_file_bytes", lambda name: real(name) + (b"x" if name.endswith("site.js") else b"")
    )
    assert pwa._worker_config()["version"] != first


def test_the_offline_page_is_the_same_for_everyone_and_holds_nothing_personal(client):
    anonymous = client.get(reverse("offline")).content.decode()
    user = factories.UserFactory(display_name="王秀英")
    client.force_login(user)
    signed_in = client.get(reverse("offline")).content.decode()
    assert "王秀英" not in signed_in and "csrfmiddlewaretoken" not in signed_in
    assert re.sub(r"\s+", " ", anonymous) == re.sub(r"\s+", " ", signed_in)
    assert "您已离线" in anonymous
