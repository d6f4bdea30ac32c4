import re

from django.contrib.staticfiles import finders
from django.test import Client


def test_openapi_schema_loads(client: Client) -> None:
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/customers:batch",
        "/api/v1/contact-points:batch",
        "/api/v1/accounts:batch",
        "/api/v1/instalments:batch",
        "/api/v1/payments",
        "/api/v1/accounts/{external_id}",
        "/api/v1/accounts/{external_id}/timeline",
    } <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["ApiKeyAuth"]["scheme"] == "bearer"


def test_docs_page_uses_only_vendored_files(client: Client) -> None:
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    page = response.content.decode()
    assert "cdn" not in page.lower()
    assert not re.search(r"(src|href)=\"https?://", page)
    assets = re.findall(r"(?:src|href)=\"/static/([^\"]+)\"", page)
    assert len(assets) == 3
    assert all(finders.find(asset) for asset in assets)
    assert "/api/v1/openapi.json" in page
