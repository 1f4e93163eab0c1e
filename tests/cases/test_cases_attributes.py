"""Open311 service attributes: the catalog's per-class questions, the service definition in the specification's
shape, their checking on POST requests and POST /api/cases, their storage (a JSON column, migrated into old
stores) and their return; private ones (a plate number) never reach the public."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from geo_app import create_app
from geo_app.cases import attributes
from geo_app.cases.tables import CASE_INDEXES, CASES
from geo_app.data import migrations
from geo_app.errors import BadParameter
from geo_app.project import case_attributes
from geo_app.project import case_classes as catalog
from tests.cases_support import anonymous_csrf, bearer, grid_place, person
from tests.conftest import BOTH_BACKENDS, LAYERS

V2 = "/open311/v2"
# The elements of the specification's example service definition (GeoReport v2, GET services/{code}).
ATTRIBUTE_ELEMENTS = {
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
}
VALUE_ELEMENTS = {"key", "name"}


def test_the_definition_has_the_examples_shape_in_json_and_xml(client):
    definition = client.get(f"{V2}/services/E0602.json", query_string={"lang": "en"}).get_json()
    assert set(definition) == {"service_code", "attributes"} and definition["service_code"] == "E0602"
    by_code = {a["code"]: a for a in definition["attributes"]}
    assert all(set(a) == ATTRIBUTE_ELEMENTS for a in definition["attributes"])
    assert [a["order"] for a in definition["attributes"]] == [1, 2, 3]
    wrong = by_code["wrong"]
    assert (wrong["datatype"], wrong["required"], wrong["variable"]) == ("singlevaluelist", True, True)
    assert {v["key"] for v in wrong["values"]} == {
        "closed",
        "moved",
        "wrong_hours",
        "not_free",
        "not_accessible",
        "other",
    }
    assert all(set(v) == VALUE_ELEMENTS for v in wrong["values"]) and wrong["description"] == "What is wrong?"
    assert by_code["facility_id"]["datatype"] == "string" and by_code["facility_id"]["values"] == []
    text = client.get(f"{V2}/services/E0602.xml").get_data(as_text=True)
    top = ElementTree.fromstring(text.split("\n", 1)[1])
    assert top.tag == "service_definition" and [c.tag for c in top.find("attributes")] == ["attribute"] * 3
    first = top.find("attributes")[2]
    assert {c.tag for c in first} == ATTRIBUTE_ELEMENTS and first.findtext("description") == "哪里有误?"
    assert [c.tag for c in first.find("values")] == ["value"] * 6
    assert {c.tag for c in first.find("values")[0]} == VALUE_ELEMENTS
    listed = {s["service_code"]: s for s in client.get(f"{V2}/services.json").get_json()}
    assert listed["E0602"]["metadata"] is True and listed["E0502"]["metadata"] is True
    assert listed["E0101"]["metadata"] is False


def _example(place, **fields) -> dict:
    return {"service_code": "E0602", "lat": str(place.lat), "long": str(place.lon), **fields}


@BOTH_BACKENDS
@pytest.mark.parametrize(
    "fields, words",
    [
        ({}, "attribute[wrong]: is required"),
        ({"attribute[wrong]": "ugly"}, 'attribute[wrong]: "ugly" is not one of closed, moved'),
        ({"attribute[wrong]": ["closed", "moved"]}, "attribute[wrong]: given 2 times"),
        ({"attribute[wrong][]": ["closed", "moved"]}, "attribute[wrong]: takes one value"),
        ({"attribute[wrong]": "closed", "attribute[colour]": "red"}, "attribute[colour]: class E0602 has no such"),
        ({"attribute[wrong]": "closed", "attribute[facility_layer]": "Toilets!"}, "attribute[facility_layer]"),
        ({"attribute[wrong]": "closed", "attribute[facility_id]": "a\u202eb"}, "attribute[facility_id]"),
        ({"attribute[wrong]": "closed", "attribute[]": "x"}, "attribute[]: write attributes as"),
    ],
)
def test_open311_posts_are_checked(client, store, fields, words):
    response = client.post(f"{V2}/requests.json", data=_example(grid_place(store), **fields))
    errors = response.get_json()
    assert response.status_code == 400 and words in errors[0]["description"], errors
    assert store.count(CASES) == store.count(CASES, where={"demo": True})  # nothing was stored


@BOTH_BACKENDS
def test_values_round_trip_through_open311_and_the_api(client, store):
    place = grid_place(store)
    hostile = "<script>alert(1)</script>"
    posted = client.post(
        f"{V2}/requests.json",
        data=_example(
            place,
            **{
                "attribute[wrong]": "wrong_hours",
                "attribute[facility_layer]": "toilets",
                "attribute[facility_id]": "T-0012",
                "description": hostile,
            },
        ),
    )
    assert posted.status_code == 201, posted.get_json()
    case_id = posted.get_json()[0]["service_request_id"]
    expected = {"wrong": "wrong_hours", "facility_layer": "toilets", "facility_id": "T-0012"}
    assert client.get(f"/api/cases/{case_id}").get_json()["attributes"] == expected
    assert client.get(f"{V2}/requests/{case_id}.json").get_json()[0]["attributes"] == expected
    one = ElementTree.fromstring(client.get(f"{V2}/requests/{case_id}.xml").get_data(as_text=True).split("\n", 1)[1])
    assert {c.tag: c.text for c in one[0].find("attributes")} == expected
    assert one[0].findtext("description") == hostile  # XML carries it as text, escaped
    # a case without answers keeps the specification's elements only
    plain = client.post(f"{V2}/requests.json", data=_example(place, service_code="E0101")).get_json()
    assert "attributes" not in client.get(f"{V2}/requests/{plain[0]['service_request_id']}.json").get_json()[0]


@BOTH_BACKENDS
def test_a_plate_number_is_checked_and_shown_to_staff_only(client, store):
    place = grid_place(store)
    form = {"service_code": "E0502", "lon": str(place.lon), "lat": str(place.lat), "csrf_token": anonymous_csrf(client)}
    refused = client.post("/api/cases", data={**form, "attribute[plate]": "ABC"})
    assert refused.status_code == 400 and "attribute[plate]" in refused.get_json()["error"]["message"]
    reported = client.post("/api/cases", data={**form, "attribute[plate]": "苏E12345"})
    assert reported.status_code == 201, reported.get_json()
    case_id = reported.get_json()["id"]
    assert client.get(f"/api/cases/{case_id}").get_json()["attributes"] == {}
    assert "attributes" not in client.get(f"{V2}/requests/{case_id}.json").get_json()[0]
    staff = bearer(person(store, "disp", "dispatcher"))
    assert client.get(f"/api/cases/{case_id}", headers=staff).get_json()["attributes"] == {"plate": "苏E12345"}
    assert store.read(CASES, where={"id": case_id}).iloc[0]["attributes"] == '{"plate": "苏E12345"}'
    # a photo of a parked car shows its plate: such a class's photos are for case staff only
    import io

    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 20, 30)).save(picture, "JPEG")
    with_photo = client.post(
        "/api/cases",
        data={**form, "attribute[plate]": "苏E54321", "photo": (io.BytesIO(picture.getvalue()), "car.jpg")},
    )
    assert with_photo.status_code == 201, with_photo.get_json()
    car = with_photo.get_json()["id"]
    url = client.get(f"/api/cases/{car}", headers=staff).get_json()["photos"][0]["url"]
    assert client.get(url, headers=staff).status_code == 200
    assert client.get(url).status_code == 403 and client.get(f"/api/cases/{car}").get_json()["photos"] == []
    assert client.get(f"{V2}/requests/{car}.json").get_json()[0]["media_url"] is None
    # logged in is not enough: a partner system (12345) and a planner are not the bureau's case staff
    for role, extra in (("partner", {"department": "12345"}), ("planner", {})):
        seen = client.get(f"/api/cases/{case_id}", headers=bearer(person(store, f"x-{role}", role, **extra)))
        assert seen.get_json()["attributes"] == {} and "reporter" not in seen.get_json(), role


def _spec(**entry) -> tuple:
    return case_attributes.parse_attributes(
        [{"description_zh": "问", "description_en": "Q", **entry}], "here", catalog.CaseCatalogError
    )


def test_datatypes_are_checked():
    kinds = (
        _spec(
            code="kinds",
            datatype="multivaluelist",
            required=True,
            values=[{"key": k, "name_zh": k, "name_en": k} for k in ("a", "b", "c")],
        )
        + _spec(code="width", datatype="number")
        + _spec(code="seen", datatype="datetime")
        + _spec(code="note", datatype="text")
    )
    given = {"kinds": ["a", "c"], "width": ["2.5"], "seen": ["2018-09-30T16:00:00+08:00"], "note": ["one\ntwo"]}
    assert attributes.check(kinds, given, "X") == {
        "kinds": ["a", "c"],
        "width": 2.5,
        "seen": "2018-09-30T08:00:00Z",
        "note": "one\ntwo",
    }
    for bad, words in (
        ({"kinds": []}, "is required"),
        ({"kinds": ["a", "a"]}, "given twice"),
        ({"kinds": ["d"]}, "not one of a, b, c"),
        ({"kinds": ["a"], "width": ["wide"]}, "not a number"),
        ({"kinds": ["a"], "width": ["nan"]}, "not a number"),
        ({"kinds": ["a"], "seen": ["soon"]}, "ISO 8601"),
        ({"kinds": ["a"], "note": ["x" * 2001]}, "more than 2000"),
    ):
        with pytest.raises(BadParameter, match=words):
            attributes.check(kinds, bad, "X")


@pytest.mark.parametrize(
    "entry, words",
    [
        ({"code": "Bad code", "datatype": "string"}, "code 'Bad code'"),
        ({"code": "a", "datatype": "colour"}, "attribute a: datatype 'colour' is not one of"),
        ({"code": "a", "datatype": "singlevaluelist"}, "'values' is needed by a list datatype"),
        ({"code": "a", "datatype": "string", "values": [{"key": "x", "name_zh": "x", "name_en": "x"}]}, "'values'"),
        ({"code": "a", "datatype": "singlevaluelist", "values": [{"key": "x", "name_zh": "x"}]}, "value x: 'name_en'"),
        ({"code": "a", "datatype": "string", "pattern": "("}, "pattern is not a regular expression"),
        ({"code": "a", "datatype": "string", "required": "yes"}, "'required' must be true or false"),
        ({"code": "a", "datatype": "string", "colour": "red"}, "unknown key 'colour'"),
    ],
)
def test_a_bad_attribute_in_the_catalog_stops_the_start_with_key_and_reason(entry, words):
    data = catalog.tomllib.loads((LAYERS / catalog.FILE).read_text(encoding="utf-8"))
    data["classes"][0]["attributes"] = [{"description_zh": "问", "description_en": "Q", **entry}]
    with pytest.raises(catalog.CaseCatalogError, match="class C0101 attribute") as caught:
        catalog.parse(data, "case_classes.toml")
    assert words in str(caught.value)


@BOTH_BACKENDS
def test_the_migration_keeps_the_cases_of_an_old_store(store_path, store, project):
    from geo_app.data import demo_cases as demo

    demo.load(store, project, 50)
    with store.transaction() as tx:  # a store from before: no attributes column
        tx.replace(CASES, tx.read(CASES).drop(columns="attributes"), indexes=CASE_INDEXES)
        tx.set_meta("schema_version", "7")
    before = store.read(CASES).sort_values("id").reset_index(drop=True)
    assert "attributes" not in before.columns
    client = create_app({"STORE": str(store_path), "LAYERS_DIR": str(LAYERS), "TESTING": True}).test_client()
    assert int(store.meta("schema_version")) == migrations.MIGRATIONS[-1][0]
    after = store.read(CASES).sort_values("id").reset_index(drop=True)
    assert after["attributes"].isna().all() and set(store.indexes(CASES)) >= {"id", "grid_code", "token"}
    for column in ("id", "status", "service_code", "reported_at", "due_at", "token", "demo"):
        assert after[column].tolist() == before[column].tolist(), column
    assert after.geometry.geom_equals(before.geometry).all() and len(after) == 50
    one = client.get(f"/api/cases/{before['id'][0]}").get_json()
    assert one["attributes"] == {} and one["status"] == before["status"][0]
