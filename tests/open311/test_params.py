"""Open311 parameter parsing: filters, dates, POST bodies and attributes."""

from datetime import UTC, datetime, timedelta

import pytest
from django.http import QueryDict

from wangge.core.api import NotFound, ServiceError
from wangge.open311 import params
from wangge.open311.models import AttributeType, ServiceAttribute

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def q(text: str) -> QueryDict:
    return QueryDict(text)


def test_default_window_is_the_last_90_days_and_100_requests():
    f = params.parse_request_filter(q(""), now=NOW)
    assert f.end == NOW and f.start == NOW - timedelta(days=90)
    assert f.page == 1 and f.page_size == 100 and not f.ids and not f.statuses


def test_service_request_id_overrides_every_other_filter():
    f = params.parse_request_filter(
        q("service_request_id=AB12CD34,ZZ99YY88&status=bogus&start_date=nonsense"), now=NOW
    )
    assert f.ids == ["AB12CD34", "ZZ99YY88"] and f.start is None and f.statuses == []


def test_w3c_dates_with_zone_and_an_unescaped_plus():
    f = params.parse_request_filter(
        q("start_date=2026-10-01T00:00:00Z&end_date=2026-10-31T00:00:00 08:00"), now=NOW
    )
    assert f.start == datetime(2026, 10, 1, tzinfo=UTC)
    assert f.end == datetime(2026, 10, 30, 16, 0, tzinfo=UTC)


def test_a_plain_date_is_a_local_day():
    f = params.parse_request_filter(q("start_date=2026-10-01&end_date=2026-10-02"), now=NOW)
    assert f.start.isoformat() == "2026-10-01T00:00:00+08:00"
    assert f.end.date().isoformat() == "2026-10-02" and f.end.hour == 23


@pytest.mark.parametrize(
    "query,code",
    [
        ("start_date=yesterday", "start_date"),
        ("start_date=2026-13-01T00:00:00Z", "start_date"),
        ("end_date=2026-10-01T00:00:00", "end_date"),  # no zone
        ("start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", "date_range"),
        ("start_date=2026-06-01T00:00:00Z&end_date=2026-01-01T00:00:00Z", "date_range"),
        ("status=pending", "status"),
        ("page=0", "page"),
        ("page_size=-5", "page_size"),
    ],
)
def test_bad_filters_are_400(query, code):
    with pytest.raises(ServiceError) as exc:
        params.parse_request_filter(q(query), now=NOW)
    assert exc.value.status_code == 400 and exc.value.code == code


def test_a_single_bound_gives_a_90_day_window_and_page_size_is_capped():
    f = params.parse_request_filter(
        q("start_date=2026-01-01T00:00:00Z&page_size=5000&status=open,closed"), now=NOW
    )
    assert f.end - f.start == timedelta(days=90)
    assert f.page_size == 1000 and f.statuses == ["closed", "open"]


def test_jurisdiction_empty_is_absent_wrong_is_404(settings):
    settings.OPEN311_JURISDICTION_ID = "shaxi.gov.cn"
    params.check_jurisdiction(q("jurisdiction_id="))
    params.check_jurisdiction(q("jurisdiction_id=shaxi.gov.cn"))
    with pytest.raises(NotFound):
        params.check_jurisdiction(q("jurisdiction_id=chicago.gov"))


def definition():
    return [
        ServiceAttribute(
            service_code="A0101", code="count", datatype=AttributeType.NUMBER, required=True,
            description="损坏数量",
        ),
        ServiceAttribute(
            service_code="A0101", code="kind", datatype=AttributeType.SINGLE, required=False,
            description="类型",
            values=[{"key": "lid", "name": "井盖"}, {"key": "grate", "name": "雨箅"}],
        ),
        ServiceAttribute(
            service_code="A0101", code="hazards", datatype=AttributeType.MULTI,
            description="危险",
            values=[{"key": "car", "name": "车辆"}, {"key": "kid", "name": "儿童"}],
        ),
        ServiceAttribute(
            service_code="A0101", code="seen", datatype=AttributeType.DATETIME,
            description="发现时间",
        ),
        ServiceAttribute(
            service_code="A0101", code="note", datatype=AttributeType.STRING, description="备注"
        ),
        ServiceAttribute(
            service_code="A0101", code="hint", datatype=AttributeType.TEXT, variable=False,
            description="仅说明",
        ),
    ]  # fmt: skip


def test_post_body_with_every_attribute_kind():
    body = q(
        "lat=26.1&long=119.3&description=井盖丢了&first_name=小明&last_name=王&email=&phone="
        "&attribute[count]=2&attribute[kind]=lid&attribute[hazards][]=car&attribute[hazards][]=kid"
        "&attribute[seen]=2026-11-23T08:00:00%2B08:00&attribute[note]="
    )
    req = params.parse_new_request(body, definition=definition(), service_code="A0101")
    assert (req.lat, req.lng) == (26.1, 119.3)
    assert req.contact_name == "王小明" and req.email == ""
    assert req.attributes == {
        "count": 2,
        "kind": "lid",
        "hazards": ["car", "kid"],
        "seen": "2026-11-23T08:00:00+08:00",
    }


@pytest.mark.parametrize(
    "body,code",
    [
        ("lat=26.1&long=119.3", "attribute"),  # required count missing
        ("lat=26.1&long=119.3&attribute[count]=two", "attribute"),
        ("lat=26.1&long=119.3&attribute[count]=1&attribute[kind]=door", "attribute"),
        ("lat=26.1&long=119.3&attribute[count]=1&attribute[hazards][]=fire", "attribute"),
        ("lat=26.1&long=119.3&attribute[count]=1&attribute[colour]=red", "attribute"),
        ("lat=26.1&long=119.3&attribute[count]=1&attribute[seen]=tomorrow", "attribute[seen]"),
        ("lat=26.1&long=119.3&attribute[count]=1&attribute[kind]=lid&attribute[kind]=grate",
         "attribute"),
        ("attribute[count]=1", "location"),
        ("lat=26.1&attribute[count]=1", "lat_long"),
        ("lat=95&long=119.3&attribute[count]=1", "lat"),
        ("lat=26.1&long=abc&attribute[count]=1", "long"),
        ("address_string=x&attribute[count]=1&email=not-an-email", "email"),
        ("address_string=x&attribute[count]=1&media_url=ftp://x/y.jpg", "media_url"),
    ],
)  # fmt: skip
def test_bad_post_bodies_are_400(body, code):
    with pytest.raises(ServiceError) as exc:
        params.parse_new_request(q(body), definition=definition(), service_code="A0101")
    assert exc.value.status_code == 400 and exc.value.code == code


def test_description_limit_is_4000_characters():
    ok = QueryDict(mutable=True)
    ok.update({"address_string": "府前路 1 号", "description": "坏" * 4000})
    assert (
        len(params.parse_new_request(ok, definition=[], service_code="E0101").description) == 4000
    )
    ok["description"] = "坏" * 4001
    with pytest.raises(ServiceError) as exc:
        params.parse_new_request(ok, definition=[], service_code="E0101")
    assert exc.value.code == "description"
