"""The REST API under ``/api/v1``, its OpenAPI description at ``/api/v1/_openapi`` (public:
it holds no data) and the interactive API docs at ``/api-docs/`` (Swagger UI, served from
Flask-AppBuilder's own static files: nothing is fetched from a CDN)."""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask import current_app, render_template, request, url_for
from flask_appbuilder import AppBuilder, BaseView, expose
from flask_appbuilder.api import BaseApi, safe
from flask_appbuilder.api.manager import OpenApi
from marshmallow import Schema

from core.i18n import gettext_core as _
from core.schemas import AwareDateTime, MoneyField
from core.web.api.base import ApiErrors

API_DESCRIPTION = (
    "The directcrm REST API. Log in with `POST /api/v1/security/login` "
    '(`{"username", "password", "provider": "db"}`) and send the `access_token` as '
    "`Authorization: Bearer ...` (the Authorize button). Every answer is scoped to your "
    "brand (and, for a rep, to their own customers). Errors share one body, "
    '`{"error": code, "message": text, "errors": {field: [messages]}}`, in the language '
    "of `Accept-Language`.")


def schema_name(schema: Any) -> str:
    """The component name of a marshmallow schema: its class name without ``Schema``,
    after its module's name for a module's schema (``KycOpen``); a ``partial=True``
    instance (an update body) adds ``Update``."""
    cls = resolve_schema_cls(schema)
    name = cls.__name__
    if name.endswith("Schema") and len(name) > 6:
        name = name[:-6]
    parts = cls.__module__.split(".")
    if parts[0] == "plugins" and len(parts) > 1:  # a module's schema: "KycOpen"
        prefix = parts[1].title().replace("_", "")
        if not name.startswith(prefix):
            name = prefix + name
    if isinstance(schema, Schema) and schema.partial:
        name += "Update"
    return name


def _strict_objects(spec: dict[str, Any]) -> dict[str, Any]:
    """Objects with declared properties refuse other keys unless they say otherwise: the
    API answers an unknown body field with 422, and every answer's keys are declared."""
    components = spec.get("components", {})
    for component in components.get("schemas", {}).values():
        if component.get("type") == "object" and "properties" in component:
            component.setdefault("additionalProperties", False)
    # FAB's shared responses (its login's 400/401/500...) answer the one error body too.
    for response in components.get("responses", {}).values():
        response["content"] = {"application/json": {
            "schema": {"$ref": "#/components/schemas/Error"}}}
    return spec


def _tags(spec: dict[str, Any]) -> list[dict[str, str]]:
    """The resources in the order of the app (the core's, then the modules', then
    Flask-AppBuilder's), each with its class's description."""
    used = {tag for ops in spec.get("paths", {}).values() for op in ops.values()
            for tag in op.get("tags", [])}
    out: list[dict[str, str]] = []
    for view in current_app.appbuilder.baseviews:
        if not isinstance(view, BaseApi) or isinstance(view, OpenApi):
            continue
        name = view.openapi_spec_tag or view.__class__.__name__
        if name in used and name not in {t["name"] for t in out}:
            doc = (type(view).__doc__ or "").strip().splitlines()
            out.append({"name": name, **({"description": doc[0]} if doc else {})})
    core = [t for t in out if t["name"] in CORE_TAGS]
    core.sort(key=lambda t: CORE_TAGS.index(t["name"]))
    return core + [t for t in out if t["name"] not in CORE_TAGS]


CORE_TAGS = ["customers", "orders", "returns", "products", "reps", "interactions", "tasks",
             "today", "leads", "figures", "risk", "segments"]


class CrmOpenApi(ApiErrors, OpenApi):
    """FAB's OpenAPI endpoint, public (the document holds no data), with the product's
    schema names and its money and date-time fields typed."""

    @expose("/<version>/_openapi")
    @safe
    def get(self, version: str) -> Any:
        """The OpenAPI 3 document of an API version (404 for an unknown version).

        Built once per version and address (the resources are fixed at start-up), so the
        public endpoint costs a dictionary lookup."""
        key = (version, request.host_url)
        cache = current_app.extensions.setdefault("crm_openapi", {})
        if key not in cache:
            if len(cache) > 16:  # a client inventing Host headers cannot grow it forever
                cache.clear()
            cache[key] = self._document(version)
        spec = cache[key]
        if spec is None:
            return self.response_404()
        return self.response(200, **spec)

    def _document(self, version: str) -> dict[str, Any] | None:
        """The document, or None when no resource has this version."""
        api_spec = self._create_api_spec(version)
        found = False
        for base_api in current_app.appbuilder.baseviews:
            if isinstance(base_api, BaseApi) and base_api.version == version \
                    and not isinstance(base_api, OpenApi):
                base_api.add_api_spec(api_spec)
                found = True
        if not found:
            return None
        spec = _strict_objects(api_spec.to_dict())
        spec["tags"] = _tags(spec)
        return spec

    @staticmethod
    def _create_api_spec(version: str) -> APISpec:
        servers = current_app.config.get("FAB_OPENAPI_SERVERS",
                                         [{"url": request.host_url.rstrip("/")}])
        plugin = MarshmallowPlugin(schema_name_resolver=schema_name)
        spec = APISpec(title=f"{current_app.appbuilder.app_name} API", version=version,
                       openapi_version="3.0.2", info={"description": API_DESCRIPTION},
                       plugins=[plugin], servers=servers)
        plugin.map_to_openapi_type(MoneyField, "string", "decimal")
        plugin.map_to_openapi_type(AwareDateTime, "string", "date-time")
        return spec


class ApiDocsView(BaseView):
    """The interactive API docs (Swagger UI from Flask-AppBuilder's static folder)."""

    route_base = "/api-docs"
    default_view = "index"

    @expose("/")
    def index(self) -> Any:
        """The page: public, like the document it shows."""
        from core.web.context import select_locale

        return render_template(
            "crm/api_docs.html", title=_("API documentation"),
            spec_url=url_for("CrmOpenApi.get", version="v1"),
            home_url=url_for("CrmIndexView.index"),
            lang=str(select_locale()).replace("_", "-"))


def register_apis(appbuilder: AppBuilder) -> None:
    """Add every core resource, the public OpenAPI endpoint and the API docs page."""
    from core.web.api.insights import CM_APIS
    from core.web.api.resources import API_CLASSES

    for api in (*API_CLASSES, *CM_APIS):
        appbuilder.add_api(api)
    appbuilder.add_api(CrmOpenApi)
    appbuilder.add_view_no_menu(ApiDocsView)
