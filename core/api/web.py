"""The public web API for modules: admin views, REST resources and the request's context.

- :class:`CrmView` (a FAB ``BaseView``): ``page(template, **values)`` renders inside the
  product's layout; ``save(fields, action, template, done, title, values)`` is the whole
  GET-form / POST-validate-redirect cycle with field errors. Decorate each exposed method
  with ``@expose(...)``, then ``@has_access``, then ``@not_found_on_missing`` (a record of
  another brand or rep answers 404).
- :class:`Field` describes one form input; :func:`form_data` reads a posted form.
- :class:`CrmApi` (a FAB ``BaseApi``, JWT only): decorate with ``@expose``, ``@protect()``,
  ``@api_errors`` (domain errors → JSON with a stable ``error`` code), ``@openapi(...)``
  (the operation in the OpenAPI document: parameters with their types, the request
  body's marshmallow schema, the answer's schema and status);
  :func:`jsonable` encodes Decimal money as strings and times as ISO 8601.
- :mod:`out` (``core.web.api.schemas``): the field helpers for answer schemas
  (``out.text()``, ``out.money()``, ``out.when()``, ``out.day()``, ``out.integer()``,
  ``out.boolean()``, ``out.one_of([...])``; ``nullable=True`` where a value may be null)
  and the core's answer schemas (``out.CustomerOut``...).
- Public pages (no login): :func:`public_ctx`, :func:`visitor_locale`,
  :func:`render_public` (templates extend ``crm/public.html``), :func:`register_public`
  (rate-limited), :func:`masked_name`.
- :func:`crm_ctx` is the request's :class:`~core.api.Ctx` (brand, user, rep scope, locale);
  :func:`module_ctx` (``module_ctx("loyalty")``) the same for a module's page or endpoint,
  raising NotFound (404) for a brand that has not enabled the module. :func:`runtime` is
  the app's runtime, for public pages without a logged-in user
  (``runtime().ctx("BRAND", user=...)``). :func:`page_url` is ``url_for`` that answers
  None outside a request or for an unknown endpoint (links in sections that PDFs reuse).
- :func:`teammates` (``teammates(ctx)``): the user names of the brand's staff sharing a
  role with the current user, for a "my team" filter on a work queue.
- :func:`format_money` (``format_money(amount, ctx.brand.currency, ctx.locale)`` →
  ``¥1,234.50``) and :func:`format_number` (``12,345``): what the templates' ``money`` and
  ``num`` filters show, for HTML a module builds in Python.
- :func:`redirect_to_job` (``return redirect_to_job(enqueue(ctx, "mod.kind", {...}))``):
  the answer to a request that queued a background job: the job's page, which shows its
  progress and offers the result when it is done.
"""

from __future__ import annotations

from core.web.api import schemas as out
from core.web.api.base import CrmApi, api_errors, jsonable, openapi
from core.web.context import crm_ctx, module_ctx, page_url, runtime, teammates
from core.web.formatting import money as format_money
from core.web.formatting import number as format_number
from core.web.public import (
    masked_name,
    public_ctx,
    register_public,
    render_public,
    visitor_locale,
)
from core.web.views.base import CrmView, Field, form_data, not_found_on_missing
from core.web.views.jobs import redirect_to_job

__all__ = ["CrmApi", "CrmView", "Field", "api_errors", "crm_ctx", "form_data",
           "format_money", "format_number", "jsonable",
           "masked_name", "module_ctx", "not_found_on_missing", "openapi", "out", "page_url",
           "public_ctx", "redirect_to_job", "register_public", "render_public", "runtime",
           "teammates",
           "visitor_locale"]
