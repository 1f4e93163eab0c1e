"""A parameter given twice is refused (400 naming it), never read as its first value, across the service: query
strings of the API, OGC, Open311 and pages, and the forms that change data. Lists that are meant stay lists: a
report's photos, Open311's `attribute[code][]`."""

from __future__ import annotations

import io

from werkzeug.datastructures import MultiDict

from geo_app.errors import BadParameter
from geo_app.web.errors import refuse_repeats
from tests.cases_support import bearer, grid_place, jpeg_with_gps, person, png
from tests.conftest import use_token


def refused(response, parameter: str) -> str:
    body = response.get_json()
    assert response.status_code == 400 and body["error"]["parameter"] == parameter, body
    assert "given 2 times" in body["error"]["message"]
    return body["error"]["message"]


def test_query_parameters_given_twice_are_refused_everywhere(client):
    refused(client.get("/api/cases?status=reported&status=closed"), "status")
    refused(client.get("/api/cases?limit=1&limit=1"), "limit")  # even the same value twice
    refused(client.get("/ogc/collections/toilets/items?limit=1&limit=5000"), "limit")
    refused(client.get("/api/nearest?lon=120.6&lon=120.7&lat=31.3"), "lon")
    page = client.get("/grid?lang=en&lang=zh")
    assert page.status_code == 400 and "lang" in page.get_data(as_text=True)
    assert client.get("/api/cases?status=reported,closed").status_code == 200  # a list is one value


def test_open311_answers_repeats_in_its_own_error_format(client, store):
    answer = client.get("/open311/v2/requests.json?status=open&status=closed")
    assert answer.status_code == 400 and answer.get_json()[0]["code"] == 400
    assert answer.get_json()[0]["description"].startswith("status: given 2 times")
    place = grid_place(store)
    posted = client.post(
        "/open311/v2/requests.json",
        data=MultiDict(
            [("service_code", "E0101"), ("service_code", "C0101"), ("lat", str(place.lat)), ("long", str(place.lon))]
        ),
    )
    assert posted.status_code == 400 and posted.get_json()[0]["description"].startswith("service_code: given 2")


def test_forms_refuse_repeats_but_photos_stay_a_list(client, store):
    place = grid_place(store)
    supervisor = person(store, "sup", "supervisor", grids=(place.grid,))
    fields = [("service_code", "C0101"), ("lon", str(place.lon)), ("lat", str(place.lat))]
    twice = client.post(
        "/api/cases",
        data=MultiDict(fields + [("description", "a"), ("description", "b")]),
        headers=bearer(supervisor),
        content_type="multipart/form-data",
    )
    refused(twice, "description")
    photos = MultiDict(
        fields + [("photo", (io.BytesIO(jpeg_with_gps()), "a.jpg")), ("photo", (io.BytesIO(png()), "b.png"))]
    )
    case = client.post("/api/cases", data=photos, headers=bearer(supervisor), content_type="multipart/form-data")
    assert case.status_code == 201 and len(case.get_json()["photos"]) == 2
    admin = person(store, "adm", "admin")
    action = client.post(
        f"/api/cases/{case.get_json()['id']}/actions",
        headers=bearer(admin),
        data=MultiDict([("action", "accept"), ("version", "1"), ("version", "2")]),
    )
    refused(action, "version")
    assert client.get(f"/api/cases/{case.get_json()['id']}").get_json()["status"] == "reported"


def test_siting_forms_refuse_repeats(client):
    use_token(client, "planner")
    refused(
        client.post(
            "/api/plan/jobs", data=MultiDict([("type", "toilets"), ("districts", "320508"), ("k", "3"), ("k", "300")])
        ),
        "k",
    )


def test_only_attribute_fields_may_repeat(client, store):
    refuse_repeats(MultiDict([("attribute[WHERE][]", "a"), ("attribute[WHERE][]", "b"), ("status", "open")]))
    try:
        refuse_repeats(MultiDict([("status", "open"), ("status", "closed")]))
    except BadParameter as error:
        assert error.parameter == "status"
    else:
        raise AssertionError("a repeated parameter was taken")
    # a single-valued attribute given twice is refused where attributes are read (cases/attributes.py)
    place = grid_place(store)
    posted = client.post(
        "/open311/v2/requests.json",
        data=MultiDict(
            [
                ("service_code", "E0101"),
                ("lat", str(place.lat)),
                ("long", str(place.lon)),
                ("attribute[x]", "a"),
                ("attribute[x]", "b"),
            ]
        ),
    )
    assert posted.status_code == 400 and "given 2 times" in posted.get_json()[0]["description"]
