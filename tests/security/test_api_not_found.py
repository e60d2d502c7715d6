"""A URL under /api/ that matches no route is a JSON 404 in the API's error shape (the site's pages keep their HTML
404), and the schema documents the 404 wherever an operation can answer it (config/api_schema.py)."""

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


def test_an_unmatched_api_url_is_json(client):
    response = client.get("/api/v1/cases/not-a-number/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "未找到。", "code": "not_found"}


def test_an_unmatched_page_is_still_the_sites_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_the_schema_documents_the_404_of_every_operation_with_a_path_parameter_or_a_page():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    missing = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            parameters = operation.get("parameters", [])
            can_miss = any(p["in"] == "path" or p["name"] == "page" for p in parameters)
            if can_miss and "404" not in operation["responses"]:
                missing.append(f"{method.upper()} {path}")
    assert not missing
