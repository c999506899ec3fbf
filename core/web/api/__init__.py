"""The REST API under ``/api/v1`` and its OpenAPI description at ``/api/v1/_openapi``."""

from __future__ import annotations

from flask_appbuilder import AppBuilder
from flask_appbuilder.api.manager import OpenApi


def register_apis(appbuilder: AppBuilder) -> None:
    """Add every core resource and the OpenAPI endpoint (without the CDN-based Swagger UI)."""
    from core.web.api.insights import CM_APIS
    from core.web.api.resources import API_CLASSES

    for api in (*API_CLASSES, *CM_APIS):
        appbuilder.add_api(api)
    appbuilder.add_api(OpenApi)
