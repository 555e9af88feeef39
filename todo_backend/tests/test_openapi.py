"""The OpenAPI schema, its committed copy in specs/, and the documentation pages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer
from drf_spectacular.validation import validate_schema

from todo_backend.exceptions import ErrorCode

pytestmark = pytest.mark.django_db

COMMITTED_SCHEMA = Path(settings.BASE_DIR) / "specs" / "api" / "openapi.yaml"
TASK_ROUTES = {
    "/tasks": {"get", "post"},
    "/tasks/{id}": {"get", "put", "patch", "delete"},
    "/tasks/{id}/complete": {"patch"},
    "/tasks/deleted": {"get"},
}


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)


def test_schema_lists_every_route_of_both_families_and_nothing_else(schema):
    expected = {"/api/health": {"get"}}
    for prefix in ("/api", "/api/{user_id}"):
        for route, methods in TASK_ROUTES.items():
            expected[prefix + route] = methods
    actual = {path: set(operations) - {"parameters"} for path, operations in schema["paths"].items()}
    assert actual == expected


def test_every_task_operation_needs_the_bearer_scheme(schema):
    assert schema["components"]["securitySchemes"]["BetterAuthJWT"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": schema["components"]["securitySchemes"]["BetterAuthJWT"]["description"],
    }
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if path != "/api/health":
                assert operation["security"] == [{"BetterAuthJWT": []}], (path, method)


def test_operations_document_the_contracts_status_codes(schema):
    def codes(path: str, method: str) -> set[str]:
        return set(schema["paths"][path][method]["responses"])

    assert codes("/api/tasks", "post") == {"201", "400", "401", "409", "411", "413", "415", "422", "429", "500", "503"}
    assert codes("/api/tasks/{id}", "delete") == {"204", "401", "404", "412", "429", "500", "503"}
    assert codes("/api/tasks", "get") == {"200", "304", "401", "422", "429", "500", "503"}
    assert codes("/api/tasks/{id}", "get") == {"200", "304", "401", "404", "429", "500", "503"}
    assert codes("/api/tasks/{id}", "put") >= {"200", "404", "412", "422"}
    assert codes("/api/tasks/deleted", "get") == {"200", "401", "410", "422", "429", "500", "503"}
    assert codes("/api/{user_id}/tasks/{id}/complete", "patch") >= {"200", "403", "404", "422"}
    assert codes("/api/health", "get") == {"200", "503"}


def test_error_bodies_name_every_error_code(schema):
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"detail", "error_code"}
    enum_name = error["properties"]["error_code"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][enum_name]["enum"]) == {code.value for code in ErrorCode}
    validation = schema["components"]["schemas"]["ValidationError"]
    assert "errors" in validation["required"]


def test_list_documents_its_query_parameters_and_link_header(schema):
    operation = schema["paths"]["/api/tasks"]["get"]
    parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}
    assert set(parameters) == {
        "completed", "status", "search", "ordering", "sort", "limit", "cursor", "updated_since", "If-None-Match"
    }
    assert parameters["If-None-Match"]["in"] == "header"
    assert set(parameters["status"]["schema"]["enum"]) == {"all", "pending", "completed"}
    assert "-created_at" in parameters["ordering"]["schema"]["enum"]
    assert {"Link", "ETag", "X-Sync-Token"} <= set(operation["responses"]["200"]["headers"])
    assert {"ETag", "X-Sync-Token"} <= set(operation["responses"]["304"]["headers"])


@pytest.mark.parametrize(
    ("path", "method", "header"),
    [
        ("/api/tasks", "post", "Idempotency-Key"),
        ("/api/tasks/{id}", "get", "If-None-Match"),
        ("/api/tasks/{id}", "put", "If-Match"),
        ("/api/tasks/{id}", "patch", "If-Match"),
        ("/api/tasks/{id}", "delete", "If-Match"),
        ("/api/tasks/{id}/complete", "patch", "If-Match"),
    ],
)
def test_conditional_and_retry_headers_are_documented_where_they_apply(schema, path, method, header):
    parameters = {(p["name"], p["in"]) for p in schema["paths"][path][method]["parameters"]}
    assert (header, "header") in parameters


def test_deleted_tasks_are_documented_as_tombstones(schema):
    operation = schema["paths"]["/api/tasks/deleted"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"since"}
    items = operation["responses"]["200"]["content"]["application/json"]["schema"]["items"]
    tombstone = schema["components"]["schemas"][items["$ref"].rsplit("/", 1)[1]]
    assert set(tombstone["properties"]) == {"id", "deleted_at"}


def test_responses_document_location_and_www_authenticate(schema):
    create = schema["paths"]["/api/tasks"]["post"]["responses"]
    assert {"Location", "ETag", "Idempotent-Replayed"} <= set(create["201"]["headers"])
    assert "WWW-Authenticate" in create["401"]["headers"]
    assert "Retry-After" in create["503"]["headers"]


def test_task_schema_matches_the_contract(schema):
    task = schema["components"]["schemas"]["Task"]
    assert set(task["properties"]) == {"id", "user_id", "title", "description", "completed", "created_at", "updated_at"}
    for read_only in ("id", "user_id", "created_at", "updated_at"):
        assert task["properties"][read_only]["readOnly"] is True
    request = schema["components"]["schemas"]["TaskRequest"]
    assert request["required"] == ["title"]
    assert request["properties"]["title"]["maxLength"] == 255
    assert request["properties"]["description"]["nullable"] is True
    assert "id" not in request["properties"] and "user_id" not in request["properties"]


def test_committed_schema_is_the_generated_one(schema):
    """specs/api/openapi.yaml must be regenerated (`make schema`) whenever the API changes."""
    generated = yaml.safe_load(OpenApiYamlRenderer().render(schema, renderer_context={}))
    committed = yaml.safe_load(COMMITTED_SCHEMA.read_text())
    assert committed == generated, "specs/api/openapi.yaml is stale: run `make schema` and commit it"


# --- serving -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/schema", "/api/schema/"])
def test_schema_is_served_as_json_by_default(api_client, path):
    response = api_client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content)["info"]["title"] == "Todo API"


@pytest.mark.parametrize(
    "query, accept", [("?format=yaml", None), ("", "application/yaml"), ("", "application/vnd.oai.openapi")]
)
def test_schema_is_served_as_yaml_on_request(api_client, query, accept):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = api_client.get(f"/api/schema{query}", **headers)
    assert response.status_code == 200
    assert yaml.safe_load(response.content)["openapi"].startswith("3.")


def test_schema_needs_no_token_even_with_a_bad_one(api_client):
    response = api_client.get("/api/schema", HTTP_AUTHORIZATION="Bearer garbage")
    assert response.status_code == 200


EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.IGNORECASE)
ABSOLUTE_URL = re.compile(r"""https?://[^\s"'<>)]+""")


@pytest.mark.parametrize("path", ["/api/docs", "/api/redoc"])
def test_docs_pages_reference_no_external_host(api_client, path):
    response = api_client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert not EXTERNAL.search(html), EXTERNAL.search(html)
    assert "/static/drf_spectacular_sidecar/" in html
    foreign = {url for url in ABSOLUTE_URL.findall(html) if not url.startswith("http://testserver/")}
    assert foreign == set()


def test_swagger_ui_assets_are_served_by_the_app(api_client):
    html = api_client.get("/api/docs").content.decode()
    assets = re.findall(r"""(?:src|href)="(/static/[^"]+)\"""", html)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    for asset in assets:
        response = api_client.get(asset)
        assert response.status_code == 200, asset
        response.close()
