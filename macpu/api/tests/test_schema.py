"""The OpenAPI schema: complete, free of generator warnings, valid OpenAPI 3, and only for signed-in users."""

from __future__ import annotations

import pytest
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from macpu.api.tests.conftest import contact_body

EXPECTED_OPERATIONS = {
    ("/api/v1/contacts/", "post"): "contact_create",
    ("/api/v1/contacts/{id}/", "get"): "contact_get",
    ("/api/v1/contacts/{id}/decision/", "post"): "contact_decide",
    ("/api/v1/referrals/", "post"): "referral_create",
    ("/api/v1/referrals/{id}/decision/", "post"): "referral_decide",
    ("/api/v1/children/search/", "post"): "child_search",
    ("/api/v1/children/{id}/", "get"): "child_case",
    ("/api/v1/requests/", "get"): "request_list",
    ("/api/v1/requests/{id}/", "get"): "request_get",
    ("/api/v1/requests/{id}/answer/", "post"): "request_answer",
}


@pytest.fixture
def schema():
    GENERATOR_STATS.reset()
    generated = SchemaGenerator().get_schema(request=None, public=True)
    yield generated
    GENERATOR_STATS.reset()


def test_the_schema_generates_without_warnings_or_errors(schema):
    assert dict(GENERATOR_STATS._warn_cache) == {}
    assert dict(GENERATOR_STATS._error_cache) == {}


def test_the_schema_is_valid_openapi_3(schema):
    validate_schema(schema)  # raises on an invalid schema

    assert schema["openapi"].startswith("3.")


def test_the_schema_has_every_endpoint_with_its_operation_id(schema):
    api_operations = {
        (path, method): operation["operationId"]
        for path, item in schema["paths"].items()
        if path.startswith("/api/v1/")
        for method, operation in item.items()
    }

    assert api_operations.items() >= EXPECTED_OPERATIONS.items()


def test_every_api_response_body_has_a_declared_schema(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                assert "$ref" in response["content"]["application/json"]["schema"], (path, method, status)


def test_codes_are_named_enums_listing_their_labels(schema):
    sex = schema["components"]["schemas"]["SexCode"]

    assert sex["enum"] == ["M", "F", "U"]
    assert "`U`: Not known" in sex["description"]
    assert schema["components"]["schemas"]["ReferralSourceCode"]["enum"][:2] == ["1A", "1B"]


def test_requests_are_json_only(schema):
    body = schema["paths"]["/api/v1/contacts/"]["post"]["requestBody"]

    assert list(body["content"]) == ["application/json"]


@pytest.mark.django_db
def test_a_signed_in_user_can_read_the_schema(sw_api):
    response = sw_api.get("/api/v1/schema/", {"format": "json"})

    assert response.status_code == 200
    assert "/api/v1/children/{id}/" in response.json()["paths"]


@pytest.mark.django_db
def test_the_schema_is_not_served_to_anyone_not_signed_in(anonymous):
    response = anonymous.get("/api/v1/schema/", {"format": "json"})

    assert response.status_code in (401, 403)
    assert b"paths" not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/contacts/abc/", "/api/v1/children/null%2Cnull/", "/api/v1/nothing/"])
def test_an_address_no_route_matches_answers_a_json_404_like_a_missing_record(sw_api, path):
    response = sw_api.get(path)

    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
    assert response.json() == {"detail": "Not found."}


@pytest.mark.django_db
def test_a_number_sent_for_text_is_refused_naming_the_field(sw_api):
    response = sw_api.post("/api/v1/contacts/", contact_body(concern=0), format="json")

    assert response.status_code == 400
    assert response.json() == {"errors": {"concern": ["Enter text here, in quotes: this field takes a string."]}}
