"""Open311 GeoReport v2 under /open311/v2, checked against the specification's own examples
(http://wiki.open311.org/GeoReport_v2): each response has exactly the elements the example responses show, in XML
(root and item elements, the XML declaration, text/xml) and JSON (an array, application/json); the example POST
request's arguments are accepted; errors are the specification's <errors><error><code/><description/>."""

from __future__ import annotations

import io
from xml.etree import ElementTree

import pytest

from geo_app import create_app
from geo_app.cases.tables import CASES
from tests.cases_support import anonymous_csrf, bearer, grid_place, person, png, reports_limited_client
from tests.conftest import BOTH_BACKENDS, LAYERS

pytestmark = BOTH_BACKENDS
V2 = "/open311/v2"

# The elements of the specification's example responses, per method.
SERVICE_ELEMENTS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
DEFINITION_ELEMENTS = {"service_code", "attributes"}
POSTED_ELEMENTS = {"service_request_id", "service_notice", "account_id"}
TOKEN_ELEMENTS = {"service_request_id", "token"}
REQUEST_ELEMENTS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
ERROR_ELEMENTS = {"code", "description"}


def example_post(place, **changes) -> dict:
    """The specification's example POST request, with one of our service codes and a place in Suzhou."""
    fields = {
        "jurisdiction_id": "suzhou.gov.cn",
        "service_code": "E0101",
        "lat": str(place.lat),
        "long": str(place.lon),
        "address_string": "1234 5th street",
        "email": "smit333@sfgov.edu",
        "device_id": "tt222111",
        "account_id": "123456",
        "first_name": "john",
        "last_name": "smith",
        "phone": "111111111",
        "description": "A large sinkhole is destroying the street",
        "media_url": "http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg",
    }
    fields.update(changes)
    return {k: v for k, v in fields.items() if v is not None}


def xml(response, root: str, item: str | None = None) -> list[ElementTree.Element] | ElementTree.Element:
    assert response.content_type == "text/xml; charset=utf-8"
    text = response.get_data(as_text=True)
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    top = ElementTree.fromstring(text.split("\n", 1)[1])
    assert top.tag == root
    if item is None:
        return top
    assert all(child.tag == item for child in top)
    return list(top)


def as_json(response):
    assert response.content_type == "application/json; charset=utf-8"
    return response.get_json()


def test_services_in_xml_and_json_have_the_examples_elements(client):
    services = xml(client.get(f"{V2}/services.xml"), "services", "service")
    assert {child.tag for child in services[0]} == SERVICE_ELEMENTS
    by_code = {s.findtext("service_code"): s for s in services}
    assert by_code["C0101"].findtext("service_name") == "井盖缺失"
    assert by_code["C0101"].findtext("metadata") == "true" and by_code["C0101"].findtext("type") == "realtime"
    assert by_code["E0101"].findtext("metadata") == "false"  # a class without attributes
    listed = as_json(client.get(f"{V2}/services.json", query_string={"lang": "en"}))
    assert isinstance(listed, list) and set(listed[0]) == SERVICE_ELEMENTS
    assert {s["service_code"]: s["service_name"] for s in listed}["E0502"] == "Illegal parking"
    assert len(listed) == len(services) >= 30


def test_a_service_definition_and_an_unknown_service(client):
    definition = xml(client.get(f"{V2}/services/E0101.xml"), "service_definition")
    assert {child.tag for child in definition} == DEFINITION_ELEMENTS
    assert definition.findtext("service_code") == "E0101" and list(definition.find("attributes")) == []
    assert as_json(client.get(f"{V2}/services/E0101.json")) == {"service_code": "E0101", "attributes": []}
    missing = client.get(f"{V2}/services/X9999.xml")
    errors = xml(missing, "errors", "error")
    assert missing.status_code == 404 and {c.tag for c in errors[0]} == ERROR_ELEMENTS
    assert errors[0].findtext("code") == "404" and "X9999" in errors[0].findtext("description")


def test_an_anonymous_post_as_in_the_example_creates_a_public_case(client, store):
    place = grid_place(store)
    posted = client.post(
        f"{V2}/requests.xml", data=example_post(place), content_type="application/x-www-form-urlencoded; charset=utf-8"
    )
    assert posted.status_code == 201
    created = xml(posted, "service_requests", "request")
    assert {c.tag for c in created[0]} == POSTED_ELEMENTS
    case_id = created[0].findtext("service_request_id")
    row = store.read(CASES, where={"id": case_id}).iloc[0]
    # a public report is confirmed on site (核实) by the grid's supervisor before a dispatcher accepts it
    assert (row["source"], row["reporter"], row["grid_code"], row["status"]) == (
        "public",
        None,
        place.grid,
        "verifying",
    )
    assert row["description"] == "A large sinkhole is destroying the street"
    stored = " ".join(str(v) for v in row.drop("geometry").tolist())
    assert "smit333" not in stored and "111111111" not in stored  # personal data is not kept
    # it is on the map: the public case list and the grid's queue have it
    assert case_id in [
        c["id"] for c in client.get("/api/cases", query_string={"grid_code": place.grid}).get_json()["cases"]
    ]
    as_json_post = client.post(f"{V2}/requests.json", data=example_post(place))
    assert as_json_post.status_code == 201 and set(as_json(as_json_post)[0]) == POSTED_ELEMENTS


def test_get_requests_and_one_request_have_the_examples_elements(client, store):
    place = grid_place(store)
    first = as_json(client.post(f"{V2}/requests.json", data=example_post(place)))[0]["service_request_id"]
    second = as_json(client.post(f"{V2}/requests.json", data=example_post(place, service_code="C0201")))[0][
        "service_request_id"
    ]
    listed = as_json(client.get(f"{V2}/requests.json"))  # the last 90 days
    mine = {r["service_request_id"]: r for r in listed}
    assert {first, second} <= set(mine) and set(mine[first]) == REQUEST_ELEMENTS
    assert mine[first]["status"] == "open" and mine[first]["status_notes"] == "待核实"
    assert mine[first]["lat"] == pytest.approx(place.lat) and mine[first]["long"] == pytest.approx(place.lon)
    assert mine[first]["requested_datetime"].endswith("Z") and mine[first]["expected_datetime"]
    only = as_json(client.get(f"{V2}/requests.json", query_string={"service_code": "C0201"}))
    assert second in {r["service_request_id"] for r in only} and first not in {r["service_request_id"] for r in only}
    assert as_json(client.get(f"{V2}/requests.json", query_string={"status": "closed", "service_code": "C0201"})) == []
    both = as_json(client.get(f"{V2}/requests.json", query_string={"service_request_id": f"{first},{second}"}))
    assert {r["service_request_id"] for r in both} == {first, second}
    one = xml(client.get(f"{V2}/requests/{second}.xml"), "service_requests", "request")
    assert {c.tag for c in one[0]} == REQUEST_ELEMENTS and one[0].findtext("service_code") == "C0201"
    assert (
        xml(
            client.get(
                f"{V2}/requests.xml",
                query_string={
                    "start_date": "2010-05-24T00:00:00Z",
                    "end_date": "2010-06-24T00:00:00Z",
                    "status": "open",
                },
            ),
            "service_requests",
            "request",
        )
        == []
    )


def test_a_closed_case_is_closed_in_open311(client, store):
    place = grid_place(store)
    case_id = as_json(client.post(f"{V2}/requests.json", data=example_post(place)))[0]["service_request_id"]
    admin = person(store, "adm", "admin")
    for version, action in enumerate(("confirm", "accept", "register", "dispatch", "handle", "verify"), 1):
        photo = {"photo": (io.BytesIO(png()), "site.png")} if action == "confirm" else {}
        answer = client.post(
            f"/api/cases/{case_id}/actions",
            data={"action": action, "version": str(version), **photo},
            headers=bearer(admin),
        )
        assert answer.status_code == 200, answer.get_json()
    request = as_json(client.get(f"{V2}/requests/{case_id}.json", query_string={"lang": "en"}))[0]
    assert (request["status"], request["status_notes"]) == ("closed", "Closed")
    assert request["updated_datetime"] >= request["requested_datetime"] and request["agency_responsible"]
    assert case_id in {r["service_request_id"] for r in as_json(client.get(f"{V2}/requests.json?status=closed"))}


def test_partners_post_with_their_api_key(client, store):
    place = grid_place(store)
    hotline = person(store, "hotline", "partner", department="12345")
    police = person(store, "police", "partner", department="110")
    for key, source in ((hotline, "12345"), (police, "110")):
        posted = client.post(f"{V2}/requests.json", data=example_post(place, api_key=key))
        case_id = as_json(posted)[0]["service_request_id"]
        assert store.read(CASES, where={"id": case_id}).iloc[0]["source"] == source
    dispatcher = person(store, "disp", "dispatcher")
    for key in ("not-a-key", dispatcher):
        refused = client.post(f"{V2}/requests.xml", data=example_post(place, api_key=key))
        errors = xml(refused, "errors", "error")
        assert refused.status_code == 403 and errors[0].findtext("code") == "403"
        assert "api_key" in errors[0].findtext("description")


def test_tokens_name_the_request_a_public_report_got(client, store):
    place = grid_place(store)
    reported = client.post(
        "/api/cases",
        data={
            "service_code": "E0201",
            "lon": str(place.lon),
            "lat": str(place.lat),
            "csrf_token": anonymous_csrf(client),
        },
    ).get_json()
    token = reported["token"]
    assert "token" not in client.get(f"/api/cases/{reported['id']}").get_json()  # a receipt, never shown again
    found = xml(client.get(f"{V2}/tokens/{token}.xml"), "service_requests", "request")
    assert {c.tag for c in found[0]} == TOKEN_ELEMENTS
    assert found[0].findtext("service_request_id") == reported["id"] and found[0].findtext("token") == token
    assert as_json(client.get(f"{V2}/tokens/{token}.json")) == [{"service_request_id": reported["id"], "token": token}]
    assert client.get(f"{V2}/tokens/unknown.json").status_code == 404


@pytest.mark.parametrize(
    "method, path, data, status, words",
    [
        ("post", "/requests.json", {"service_code": None}, 400, "service_code was not provided"),
        ("post", "/requests.json", {"service_code": "X0000"}, 404, "service_code 'X0000' not found"),
        ("post", "/requests.json", {"lat": None}, 400, "lat and long are required"),
        ("post", "/requests.json", {"long": "abc"}, 400, "long"),
        ("post", "/requests.json", {"lat": "39.91", "long": "116.39"}, 400, "outside every district"),
        (
            "post",
            "/requests.json",
            {"attribute[WHISPAWN]": "123456"},
            400,
            "attribute[WHISPAWN]: class E0101 has no such attribute; it takes none",
        ),
        ("post", "/requests.json", {"description": "x\u202ey"}, 400, "description"),
        ("post", "/requests.json", {"jurisdiction_id": "sfgov.org"}, 404, "jurisdiction_id 'sfgov.org' not found"),
        ("get", "/requests.json?start_date=2010-01-01T00:00:00Z&end_date=2010-06-01T00:00:00Z", None, 400, "90 days"),
        ("get", "/requests.json?start_date=soon", None, 400, "start_date"),
        ("get", "/requests.json?status=pending", None, 400, "status"),
        ("get", "/requests.json?colour=red", None, 400, "colour: unknown argument"),
        ("get", "/requests/none.json", None, 404, "no case"),
        ("get", "/requests.json?start_date=9999-12-30", None, 400, "start_date"),  # past the calendar's end
        ("get", "/requests.json?end_date=0999-01-02", None, 400, "the year must be"),  # would compare wrongly as text
        ("get", "/services.csv", None, 400, "use .xml or .json"),
    ],
)
def test_errors_are_the_specifications_list(client, store, method, path, data, status, words):
    body = example_post(grid_place(store), **data) if data is not None else None
    response = getattr(client, method)(V2 + path, data=body)
    errors = as_json(response)
    assert response.status_code == status and errors[0]["code"] == status, errors
    assert set(errors[0]) == ERROR_ELEMENTS and words in errors[0]["description"], errors


def test_anonymous_posts_are_rate_limited_cross_site_allowed_and_never_use_the_session(store_path, tmp_path, store):
    client = reports_limited_client(store_path, tmp_path)
    place = grid_place(store)
    person(store, "sup", "supervisor", grids=(place.grid,))
    from tests.auth.test_auth import login

    assert login(client, "sup").status_code == 302  # a browser with a supervisor's session
    headers = {"Origin": "https://elsewhere.example"}  # a page on another site may post (no CSRF token)
    posted = [client.post(f"{V2}/requests.json", data=example_post(place), headers=headers) for _ in range(3)]
    assert [p.status_code for p in posted] == [201, 201, 429]  # counted as anonymous: the session is not used
    row = store.read(CASES, where={"id": as_json(posted[0])[0]["service_request_id"]}).iloc[0]
    assert (row["source"], row["reporter"]) == ("public", None)
    assert as_json(posted[2])[0]["code"] == 429
    partner = person(store, "hotline", "partner", department="12345")
    assert client.post(f"{V2}/requests.json", data=example_post(place, api_key=partner)).status_code == 201


def test_a_partners_key_counts_against_its_write_limit(store_path, tmp_path, store):
    """Reports with an api_key are not anonymous, but not unlimited either: the partner's write limit counts them."""
    app = create_app(
        {
            "STORE": str(store_path),
            "LAYERS_DIR": str(LAYERS),
            "TESTING": True,
            "SECRET_KEY_FILE": str(tmp_path / "key"),
            "RATE_LIMIT_WRITES": "3 per minute",
        }
    )
    client = app.test_client()
    place = grid_place(store)
    partner = person(store, "hotline2", "partner", department="12345")
    answers = [
        client.post(f"{V2}/requests.json", data=example_post(place, api_key=partner)).status_code for _ in range(4)
    ]
    assert answers == [201, 201, 201, 429]
    assert client.post(f"{V2}/requests.json", data=example_post(place)).status_code == 201  # others still may


def test_media_urls_never_come_from_the_host_header(client, store, tmp_path):
    import io

    from PIL import Image

    place = grid_place(store)
    picture = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 0, 0)).save(picture, "JPEG")
    staff = bearer(person(store, "media-sup", "supervisor", grids=(place.grid,)))
    made = client.post(
        "/api/cases",
        headers=staff,
        data={
            "service_code": "E0101",
            "lon": str(place.lon),
            "lat": str(place.lat),
            "source": "patrol",
            "photo": (io.BytesIO(picture.getvalue()), "p.jpg"),
        },
    )
    assert made.status_code == 201, made.get_json()
    answer = as_json(client.get(f"{V2}/requests/{made.get_json()['id']}.json", headers={"Host": "evil.example"}))
    assert answer[0]["media_url"].startswith("/api/cases/") and "evil" not in answer[0]["media_url"]


def test_text_xml_cannot_carry_never_breaks_the_xml_feed(client, store):
    """A description with U+FFFE (legal in JSON, illegal in XML 1.0) is kept, and the XML answers stay readable."""
    place = grid_place(store)
    posted = client.post(f"{V2}/requests.json", data=example_post(place, description="井盖\ufffe缺失"))
    assert posted.status_code == 201
    assert xml(client.get(f"{V2}/requests.xml"), "service_requests", "request")  # parses
    bad_name = client.get(f"{V2}/requests.xml", query_string={"\x01x": "1"})
    assert bad_name.status_code == 400 and ElementTree.fromstring(bad_name.data) is not None
