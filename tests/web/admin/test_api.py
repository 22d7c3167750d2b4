"""The JSON API answers what its OpenAPI description says, for every operation and status it documents."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from admin_seed import ADMIN, PASSWORD, Seeded
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from connector.web.admin.openapi import document

Admin = tuple[FlaskClient, str]
DOC = document()


def check(response: Any, path: str, method: str = "get") -> Any:
    """Validate a response body against the documented schema for its path, method and status."""
    operation = DOC["paths"][path][method]
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, f"{method.upper()} {path} answered {response.status_code}, which is undocumented"
    schema = documented["content"]["application/json"].get("schema")
    body = response.get_json()
    if schema is not None:
        resolver_doc = {**schema, "components": DOC["components"]}
        Draft202012Validator(resolver_doc).validate(body)
    return body


def test_the_document_is_valid_openapi() -> None:
    doc = document()
    validate(doc)  # openapi-spec-validator raises on any schema error
    assert doc["openapi"].startswith("3.1") and doc["paths"]


def test_every_api_route_is_documented(app: Any) -> None:
    routes = {
        (rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}"), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, ops in DOC["paths"].items() for method in ops}
    assert routes == documented


def test_read_operations_match_the_schema(admin: Admin, seeded: Seeded) -> None:
    client, _ = admin
    assert check(client.get("/api/session"), "/api/session")["user"] == ADMIN
    flows = check(client.get("/api/flows"), "/api/flows")["flows"]
    assert {f["id"] for f in flows} >= {"booking-confirm", "intro-text"}
    flow = check(client.get("/api/flows/booking-confirm"), "/api/flows/{flow_id}")
    assert flow["start"] == "offer" and flow["texts"][0]["encoding"] == "GSM-7"
    check(client.get("/api/flows/nope"), "/api/flows/{flow_id}")
    listed = check(client.get("/api/conversations?limit=3"), "/api/conversations")["conversations"]
    assert len(listed) == 3
    conv = check(client.get(f"/api/conversations/{seeded.contacts['max']}"), "/api/conversations/{contact_id}")
    assert {"run_started", "out", "decision"} <= {e["kind"] for e in conv["timeline"]}
    check(client.get("/api/conversations/999"), "/api/conversations/{contact_id}")
    queue = check(client.get("/api/attention"), "/api/attention")
    assert queue["open"] == 2 and [i["reason"] for i in queue["items"]] == ["not_understood", "no_run"]
    perf = check(client.get("/api/performance?from=2026-11-20&to=2026-11-23"), "/api/performance")
    assert perf["overall"]["sent"] == 6 and len(perf["days"]) == 4
    check(client.get("/api/performance?from=bad"), "/api/performance")


def test_write_operations_match_the_schema(admin: Admin, seeded: Seeded) -> None:
    client, token = admin
    h = {"X-CSRF-Token": token}
    played = check(
        client.post(
            "/api/flows/missed-call/try",
            json={
                "record": {"FirstName": "Jo", "MobilePhone": "+12025550150"},
                "call": {"CallDisposition": "No Answer"},
                "inputs": ["2"],
            },
            headers=h,
        ),
        "/api/flows/{flow_id}/try",
        "post",
    )
    assert played["status"] == "ended" and played["answers"] == {"ask": "Afternoon"}
    check(client.post("/api/flows/missed-call/try", json={"record": 1}, headers=h), "/api/flows/{flow_id}/try", "post")
    check(client.post("/api/flows/missed-call/try", data="x", headers=h), "/api/flows/{flow_id}/try", "post")
    switched = check(
        client.put("/api/flows/intro-text/enabled", json={"enabled": False}, headers=h),
        "/api/flows/{flow_id}/enabled",
        "put",
    )
    assert switched == {"id": "intro-text", "enabled": False}
    contact = seeded.contacts["ben"]
    text = {"body": "Hi Ben", "key": "key-12345678"}
    path = "/api/conversations/{contact_id}/texts"
    assert (
        check(client.post(f"/api/conversations/{contact}/texts", json=text, headers=h), path, "post")["status"]
        == "queued"
    )
    assert (
        check(client.post(f"/api/conversations/{contact}/texts", json=text, headers=h), path, "post")["status"]
        == "duplicate"
    )
    lee = seeded.contacts["lee"]
    assert (
        check(client.post(f"/api/conversations/{lee}/texts", json=text, headers=h), path, "post")["status"]
        == "opted_out"
    )
    check(client.post(f"/api/conversations/{contact}/texts", json={"body": ""}, headers=h), path, "post")
    handled = "/api/attention/{item_id}/handled"
    assert check(client.post("/api/attention/1/handled", json={"note": "called"}, headers=h), handled, "post")
    assert client.post("/api/attention/1/handled", json={}, headers=h).status_code == 409
    check(client.post("/api/attention/99/handled", json={}, headers=h), handled, "post")


def test_basic_auth_for_scripts(client: FlaskClient, seeded: Seeded) -> None:
    good = base64.b64encode(f"{ADMIN}:{PASSWORD}".encode()).decode()
    bad = base64.b64encode(f"{ADMIN}:nope".encode()).decode()
    assert client.get("/api/attention", headers={"Authorization": f"Basic {good}"}).status_code == 200
    check(client.get("/api/attention", headers={"Authorization": f"Basic {bad}"}), "/api/attention")
    # No cookie session: a Basic-authenticated write needs no CSRF token.
    response = client.put(
        "/api/flows/intro-text/enabled", json={"enabled": True}, headers={"Authorization": f"Basic {good}"}
    )
    assert response.status_code == 200


def test_openapi_document_is_public(client: FlaskClient) -> None:
    assert client.get("/api/openapi.json").get_json()["openapi"] == "3.1.0"


@pytest.mark.parametrize("name", sorted(DOC["components"]["schemas"]))
def test_every_schema_is_a_valid_json_schema(name: str) -> None:
    Draft202012Validator.check_schema(DOC["components"]["schemas"][name])


@pytest.mark.parametrize(
    ("path", "query"),
    [
        pytest.param("/api/conversations", "q=%00", id="nul-in-a-documented-parameter"),
        pytest.param("/api/attention", "x=G%00", id="nul-in-an-undocumented-parameter"),
        pytest.param("/api/flows", "=%00", id="nul-where-the-operation-takes-none"),
    ],
)
def test_a_nul_in_the_query_is_a_documented_400(admin: Admin, path: str, query: str) -> None:
    # Found by the hostile fuzz test (SMSFLOW_FUZZ_SCALE=30): every signed operation may answer this 400.
    client, _ = admin
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    assert check(response, path)["error"] == "NUL characters are refused."


def test_a_path_under_api_that_names_no_operation_answers_json(admin: Admin) -> None:
    client, _ = admin
    missing = client.get("/api/nope")
    assert missing.status_code == 404 and missing.is_json and "error" in missing.get_json()
    wrong_method = client.delete("/api/flows")
    assert wrong_method.status_code == 405 and wrong_method.is_json
    assert "GET" in wrong_method.headers["Allow"]
    page = client.get("/no-such-page")
    assert page.status_code == 404 and not page.is_json, "outside /api/ Flask's plain page stays"


def test_a_text_to_a_contact_id_out_of_range_is_a_documented_404(admin: Admin) -> None:
    # Found by the hostile fuzz test in CI: such an id matches no route, so routing answers, in the error shape.
    client, csrf = admin
    response = client.post(
        "/api/conversations/102773748831/texts",
        json={"key": "k-1", "body": "Martin & Fils"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 404
    assert "error" in check(response, "/api/conversations/{contact_id}/texts", "post")
