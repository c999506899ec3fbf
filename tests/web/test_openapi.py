"""The OpenAPI document (public, typed from the marshmallow schemas) and the API docs page.

The fuzz test (test_api_fuzz.py) checks the answers against the document; these tests
check what the document promises: the real statuses, typed parameters and bodies, the one
error body, the modules' operations, and that the docs page needs nothing from elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

Headers = Callable[[str], dict[str, str]]
ERROR_REF = {"$ref": "#/components/schemas/Error"}


def _spec(app: Flask) -> dict[str, Any]:
    r = app.test_client().get("/api/v1/_openapi")  # no token: the document is public
    assert r.status_code == 200 and r.is_json
    return r.json


def _json_schema(response: dict[str, Any]) -> dict[str, Any]:
    return response["content"]["application/json"]["schema"]


def test_the_document_is_public_and_holds_no_data(app: Flask) -> None:
    client = app.test_client()
    r = client.get("/api/v1/_openapi")
    assert r.status_code == 200
    text = r.get_data(as_text=True)
    # The seeded brand's customer 张伟 (C1) and his phone are nowhere in it.
    assert "张伟" not in text and "13800138001" not in text
    assert r.json["openapi"].startswith("3.")
    # Built once (the resources are fixed at start-up): the next reader gets the same.
    assert client.get("/api/v1/_openapi").json == r.json
    assert list(app.extensions["crm_openapi"]) == [("v1", "http://localhost/")]
    # An unknown version is a 404 in the API's error body.
    missing = client.get("/api/v9/_openapi")
    assert missing.status_code == 404 and set(missing.json) == {"error", "message", "errors"}


def test_statuses_are_the_real_ones_with_the_error_body(app: Flask) -> None:
    paths = _spec(app)["paths"]
    create = paths["/api/v1/customers/"]["post"]["responses"]
    # A create answers 201 (never 200), field errors 422, a duplicate 409.
    assert "201" in create and "200" not in create
    for code in ("400", "401", "403", "404", "409", "422", "429"):
        assert _json_schema(create[code]) == ERROR_REF, code
    read = paths["/api/v1/customers/{ref}"]["get"]["responses"]
    assert "200" in read and "201" not in read and "409" not in read
    assert _json_schema(read["404"]) == ERROR_REF
    # Marking a task done is not a create: 200.
    done = paths["/api/v1/tasks/{pk}/complete"]["post"]
    assert "200" in done["responses"] and "201" not in done["responses"]
    pk = done["parameters"][0]
    assert (pk["in"], pk["name"], pk["schema"]["type"]) == ("path", "pk", "integer")


def test_the_error_body_is_one_schema(app: Flask) -> None:
    error = _spec(app)["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"error", "message", "errors"}
    assert error["properties"]["errors"]["additionalProperties"] == {
        "type": "array", "items": {"type": "string"}}


def test_page_and_page_size_are_integers(app: Flask) -> None:
    params = {p["name"]: p for p in
              _spec(app)["paths"]["/api/v1/orders/"]["get"]["parameters"]}
    assert params["page"]["schema"]["type"] == "integer"
    assert params["page_size"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100,
                                             "default": 25}
    assert params["since"]["schema"] == {"type": "string", "format": "date-time"}
    answer = _json_schema(_spec(app)["paths"]["/api/v1/orders/"]["get"]["responses"]["200"])
    assert set(answer["required"]) == {"result", "count", "page", "page_size", "pages"}
    assert answer["properties"]["result"]["items"] == {"$ref": "#/components/schemas/OrderOut"}


def test_bodies_and_answers_come_from_the_marshmallow_schemas(app: Flask) -> None:
    spec = _spec(app)
    schemas = spec["components"]["schemas"]
    body = spec["paths"]["/api/v1/orders/"]["post"]["requestBody"]
    assert body["required"] is True
    order = schemas["Order"]  # core.schemas.OrderSchema, which create_order loads
    # order_ref is optional: without it the order gets the brand's next number
    assert set(order["required"]) == {"customer_ref", "ordered_at", "lines"}
    assert "order_ref" in order["properties"]
    assert order["properties"]["lines"]["items"] == {"$ref": "#/components/schemas/OrderLine"}
    assert order["properties"]["status"]["enum"] == ["pending", "paid", "cancelled"]
    # An unknown field is refused (422), so the document says so.
    assert order["additionalProperties"] is False
    # An update takes any subset of the fields.
    update = spec["paths"]["/api/v1/products/{ref}"]["put"]["requestBody"]
    assert _json_schema(update) == {"$ref": "#/components/schemas/ProductUpdate"}
    assert "required" not in schemas["ProductUpdate"]
    # Answers: money is an exact decimal string, a missing value is null.
    product = schemas["ProductOut"]["properties"]
    assert product["list_price"]["type"] == "string"
    assert product["replenish_days"] == {"type": "integer", "nullable": True}
    # Tasks and interactions name records by refs.
    for name in ("TaskOut", "InteractionOut"):
        props = schemas[name]["properties"]
        assert {"customer_ref", "rep_ref"} <= set(props) and "customer_id" not in props


def test_module_operations_are_typed_too(app: Flask) -> None:
    spec = _spec(app)
    paths, schemas = spec["paths"], spec["components"]["schemas"]
    consents = paths["/api/v1/kyc/customers/{ref}/consents"]
    listed = _json_schema(consents["get"]["responses"]["200"])
    assert listed["properties"]["result"]["items"] == {
        "$ref": "#/components/schemas/KycConsentOut"}
    # Recording a consent answers 201, or 200 when it was already recorded.
    assert {"200", "201"} <= set(consents["post"]["responses"])
    assert "customer_ref" not in schemas["KycAnswer"]["properties"]  # it is in the path
    ledger = {p["name"]: p["schema"]["type"] for p in
              paths["/api/v1/loyalty/customers/{ref}/ledger"]["get"]["parameters"]}
    assert ledger == {"ref": "string", "page": "integer", "page_size": "integer"}
    archive = paths["/api/v1/kyc/requests/{ref}/archive"]["post"]["responses"]["200"]
    assert list(archive["content"]) == ["application/zip"]
    assert paths["/api/v1/complaints/tickets"]["get"]["tags"] == ["complaints"]


def test_page_size_above_100_is_refused_not_capped(app: Flask, token: Headers) -> None:
    client, headers = app.test_client(), token("boss_a")
    r = client.get("/api/v1/customers/?page_size=101", headers=headers)
    assert r.status_code == 422 and list(r.json["errors"]) == ["page_size"]
    r = client.get("/api/v1/customers/?page_size=abc", headers=headers)
    assert r.status_code == 422 and list(r.json["errors"]) == ["page_size"]
    r = client.get("/api/v1/customers/?page_size=100", headers=headers)
    assert r.status_code == 200 and r.json["page_size"] == 100 and r.json["count"] == 4


def test_an_id_beyond_any_key_is_not_found(app: Flask, token: Headers) -> None:
    r = app.test_client().post("/api/v1/tasks/98765432109876543210/complete",
                               headers=token("boss_a"))
    assert r.status_code == 404 and r.json["error"] == "not_found"


def test_the_docs_page_is_served_from_the_package(app: Flask) -> None:
    client = app.test_client()
    r = client.get("/api-docs/")  # public, like the document
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "/api/v1/_openapi" in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") for s in sources), sources
    assert "validatorUrl: null" in html  # no badge fetched from validator.swagger.io
    for path in sources:
        if path.endswith((".js", ".css")):
            asset = client.get(path)
            assert asset.status_code == 200 and len(asset.data) > 10_000, path


def test_the_admin_links_to_the_docs(login: Callable[[str], FlaskClient]) -> None:
    page = login("boss_a").get("/customers/list/").get_data(as_text=True)
    assert 'href="/api-docs/"' in page
