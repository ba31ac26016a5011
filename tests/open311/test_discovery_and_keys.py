"""Discovery, the error shape, unknown resources and API keys."""

import json
from xml.etree import ElementTree as ET

import pytest
from django.test import Client

from wangge.core.api import Forbidden
from wangge.open311.models import ApiClient
from wangge.open311.services import api_client_authenticate, api_client_create, api_client_rotate

pytestmark = pytest.mark.django_db


def test_discovery_xml_and_json():
    c = Client()
    r = c.get("/open311/v2/discovery.xml")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/xml")
    root = ET.fromstring(r.content)
    assert root.tag == "discovery"
    endpoint = root.find("endpoints/endpoint")
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint.findtext("url") == "http://testserver/open311/v2/"
    assert [f.text for f in endpoint.findall("formats/format")] == [
        "text/xml",
        "application/json",
    ]
    assert root.findtext("changeset").endswith("+08:00")
    data = c.get("/open311/v2/discovery.json").json()
    assert data["endpoints"][0]["formats"] == ["text/xml", "application/json"]


def test_unknown_paths_and_formats_are_404_in_the_spec_shape():
    c = Client()
    r = c.get("/open311/v2/nothing.json")
    assert r.status_code == 404
    [err] = r.json()
    assert err["code"] == 404 and err["description"]
    r = c.get("/open311/v2/discovery.html")
    assert r.status_code == 404
    root = ET.fromstring(r.content)
    assert root.tag == "errors" and root.find("error/code").text == "404"


def test_wrong_jurisdiction_is_404_and_empty_is_fine(settings):
    settings.OPEN311_JURISDICTION_ID = "shaxi.gov.cn"
    c = Client()
    assert c.get("/open311/v2/discovery.json?jurisdiction_id=").status_code == 200
    assert c.get("/open311/v2/discovery.json?jurisdiction_id=shaxi.gov.cn").status_code == 200
    r = c.get("/open311/v2/discovery.xml?jurisdiction_id=elsewhere")
    assert r.status_code == 404 and ET.fromstring(r.content).tag == "errors"


def test_wrong_method_is_405_in_the_spec_shape():
    r = Client().post("/open311/v2/discovery.json")
    assert r.status_code == 405 and json.loads(r.content)[0]["code"] == 405


def test_keys_are_hashed_checked_and_rotated(admin_user):
    client, raw = api_client_create(actor=admin_user, name="Open311 手机应用")
    stored = ApiClient.objects.get(pk=client.pk)
    assert raw not in (stored.key_hash, stored.key_prefix) and raw.startswith(stored.key_prefix)
    assert api_client_authenticate(raw) == client
    assert ApiClient.objects.get(pk=client.pk).last_used_at is not None
    for bad in ("", "   ", None, raw + "x"):
        with pytest.raises(Forbidden):
            api_client_authenticate(bad)
    new = api_client_rotate(actor=admin_user, client=client)
    with pytest.raises(Forbidden):
        api_client_authenticate(raw)
    assert api_client_authenticate(new) == client
    ApiClient.objects.filter(pk=client.pk).update(active=False)
    with pytest.raises(Forbidden):
        api_client_authenticate(new)


def test_admin_creates_a_client_and_shows_the_key_once(admin_user):
    c = Client()
    c.force_login(admin_user)
    r = c.post(
        "/admin/open311/apiclient/add/",
        {"name": "市民通", "contact": "", "active": "on"},
        follow=True,
    )
    assert r.status_code == 200
    client = ApiClient.objects.get(name="市民通")
    [message] = [m.message for m in r.context["messages"] if "api_key" in m.message]
    raw = message.split("api_key：")[1].split(" ")[0]
    assert api_client_authenticate(raw) == client
