"""Languages in the web app: locale selection, template ``_()``, formatting filters.

Flask-Babel (set up by FAB) translates FAB's own strings with the locale chosen here;
our strings come from ``core.i18n`` (the ``directcrm`` catalogs and the plugins' own),
whose locale is set for every request.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, current_app, g
from flask_babel import gettext as fab_gettext
from markupsafe import Markup, escape

from core.i18n import SUPPORTED_LOCALES, core_translations, set_locale, translations
from core.privacy import masked as mask
from core.web import formatting, labels
from core.web.context import select_locale

LANGUAGE_NAMES = {"en": "English", "zh_Hans_CN": "简体中文", "zh_Hant_TW": "繁體中文"}


def gettext(message: str, **params: Any) -> str:
    """Our catalog first, then FAB's (for FAB's own strings), with ``%(name)s`` params."""
    locale = getattr(g, "crm_locale", None) or select_locale()
    ours = core_translations(locale).ugettext(message)
    if ours == message:
        ours = translations(locale).ugettext(message)
    text = ours if ours != message else fab_gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, num: int, **params: Any) -> str:
    """The plural form of our catalog for ``num``, with ``%(num)d`` and other params."""
    locale = getattr(g, "crm_locale", None) or select_locale()
    text = core_translations(locale).ungettext(singular, plural, num)
    return text % {"num": num, **params}


def _ctx_money(amount: Any, currency: str | None = None) -> str:
    from core.web.context import crm_ctx

    ctx = crm_ctx()
    return formatting.money(amount, currency or ctx.brand.currency, ctx.locale)


def _ctx_datetime(value: Any, fmt: str = "medium") -> str:
    from core.web.context import crm_ctx

    ctx = crm_ctx()
    return formatting.datetime(value, ctx.tz, ctx.locale, fmt)


def _ctx_date(value: Any, fmt: str = "medium") -> str:
    return formatting.date(value, g.get("crm_locale"), fmt)


def _ctx_number(value: Any) -> str:
    return formatting.number(value, g.get("crm_locale"))


def _customer_name(customer_id: int) -> str:
    from core.models import Customer
    from core.web.context import crm_ctx

    ctx = crm_ctx()
    customer = ctx.session.get(Customer, customer_id)
    return customer.name if customer is not None and customer.brand_id == ctx.brand_id else "—"


_CODE_BITS = re.compile(r"(--[a-z][a-z-]*|\{[^{}]*\}|`[^`]+`)")


def code_bits(text: str) -> Markup:
    """``text`` escaped, with what a reader types as is (``--force``, a JSON example
    ``{"DS10": "warn"}``, a code in backticks) set as code."""
    return Markup("").join(Markup("<code>{}</code>").format(part.strip("`")) if i % 2
                           else escape(part)
                           for i, part in enumerate(_CODE_BITS.split(text)))


def may(resource: str, permission: str = "write") -> bool:
    """Whether the signed-in user holds ``can_<permission>`` on ``resource`` (a view's
    ``class_permission_name``): a page shows a button leading to another view only then."""
    return bool(current_app.appbuilder.sm.has_access(f"can_{permission}", resource))


def init_app(app: Flask) -> None:
    """Install the locale selector, template helpers and the per-request locale."""
    app.extensions["babel"].locale_selector = select_locale

    @app.before_request
    def _set_locale() -> None:
        g.crm_locale = select_locale()
        set_locale(g.crm_locale)

    app.jinja_env.globals.update(
        _=gettext, gettext=gettext, ngettext=ngettext, LANGUAGE_NAMES=LANGUAGE_NAMES,
        SUPPORTED_LOCALES=SUPPORTED_LOCALES, crm_label=labels.label, crm_mask=mask,
        crm_segment=labels.segment_label, crm_text=labels.stored_text, crm_may=may,
        crm_code_bits=code_bits,
        crm_customer_name=_customer_name)
    app.jinja_env.filters.update(money=_ctx_money, dt=_ctx_datetime, date=_ctx_date,
                                 num=_ctx_number)
    assert current_app  # registered inside the app context
