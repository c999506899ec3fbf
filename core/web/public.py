"""Public pages of modules (no login: a consent link, a referral landing page).

- :func:`public_ctx` is the brand's context for such a request (the test clock applies),
  and NotFound for an unknown brand or one without the module.
- :func:`render_public` renders a module template that extends ``crm/public.html`` (the
  phone-sized layout with the brand and the language switch) in the visitor's language
  (``?lang=``, else the brand's), with ``_``, ``csrf_token`` and the languages.
- :func:`register_public` mounts a blueprint, rate-limited per address.
- :func:`masked_name` shows a person's name to whoever holds a link: 张伟 -> 张*.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, current_app, request
from flask_wtf.csrf import generate_csrf
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select

from core.context import Ctx
from core.errors import NotFound
from core.i18n import _, normalise_locale, use_locale
from core.models import Brand

PUBLIC_LIMIT = "20 per minute"
LANGUAGES = (("zh_Hans_CN", "简体中文"), ("zh_Hant_TW", "繁體中文"), ("en", "English"))
CORE_TEMPLATES = Path(__file__).resolve().parent / "templates"
_envs: dict[Path, Environment] = {}


def public_ctx(brand_code: str, module: str, user: str) -> Ctx:
    """The context of a public request for ``brand_code`` (close its session when done);
    NotFound when the brand is unknown or has not enabled ``module``."""
    from core.web.context import runtime

    if not brand_code.isascii() or len(brand_code) > 32:
        raise NotFound(_("This link is not valid."))
    rt = runtime()
    probe = rt.ctx()
    try:
        known = probe.session.scalar(select(Brand.id).where(Brand.code == brand_code))
    finally:
        probe.session.close()
    if known is None:
        raise NotFound(_("This link is not valid."))
    ctx = rt.ctx(brand_code, user=user)
    clock = current_app.config.get("DIRECTCRM_CLOCK")
    if clock is not None:
        ctx.clock = clock
    if module not in ctx.enabled_modules:
        ctx.session.close()
        raise NotFound(_("This link is not valid."))
    return ctx


def visitor_locale(ctx: Ctx) -> str:
    """The language a public page is shown in: ``?lang=``, else the brand's."""
    return normalise_locale(request.args.get("lang") or ctx.locale)


def render_public(templates: Path, template: str, ctx: Ctx, locale: str,
                  **values: Any) -> str:
    """Render a module's public template (it extends ``crm/public.html``)."""
    env = _envs.get(templates)
    if env is None:
        env = _envs[templates] = Environment(
            loader=ChoiceLoader([FileSystemLoader(templates),
                                 FileSystemLoader(CORE_TEMPLATES)]),
            autoescape=select_autoescape(), trim_blocks=True, lstrip_blocks=True)
        env.globals["_"] = _
    assert ctx.brand is not None
    with use_locale(locale):
        return env.get_template(template).render(
            brand=ctx.brand.name, languages=LANGUAGES, locale=locale,
            lang=locale.replace("_", "-"), csrf_token=generate_csrf(), **values)


def register_public(app: Flask, limiter: Any, blueprint: Any) -> None:
    """Mount a module's public blueprint once, limited per address."""
    if blueprint.name not in app.blueprints:
        limiter.limit(PUBLIC_LIMIT)(blueprint)
        app.register_blueprint(blueprint)


def masked_name(name: str) -> str:
    """A person's name as shown to whoever holds a link: the first character only."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""
