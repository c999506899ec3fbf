"""The public consent page (no login): ``/consent/<token>``, mobile-first, in the
customer's choice of the three languages, rate-limited per address.

GET shows the notice in effect for the link's purpose and the current answer; POST
``answer=give`` records the consent, ``answer=withdraw`` the withdrawal (one click), both
through the module's one write path with source ``web``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, request
from flask_wtf.csrf import generate_csrf
from jinja2 import Environment, FileSystemLoader, select_autoescape

from core.api import DomainError, NotFound, ValidationFailed, _, normalise_locale, use_locale
from core.api.web import runtime
from plugins.kyc import consent, links
from plugins.kyc.common import MODULE
from plugins.kyc.labels import CHANNEL_LABELS, PURPOSE_LABELS, label
from plugins.kyc.models import ConsentSource

TEMPLATES = Path(__file__).resolve().parent / "templates"
LANGUAGES = (("zh_Hans_CN", "简体中文"), ("zh_Hant_TW", "繁體中文"), ("en", "English"))
PUBLIC_LIMIT = "20 per minute"

blueprint = Blueprint("kyc_public", __name__)
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(),
                   trim_blocks=True, lstrip_blocks=True)
_env.globals.update(_=_, label=label)


def _masked_name(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


@blueprint.route("/consent/<string:token>", methods=["GET", "POST"])
def consent_page(token: str) -> Any:
    """The notice and the customer's answer for one purpose and channel."""
    try:
        target = links.read_link(token)
    except NotFound:
        abort(404)
    rt = runtime()
    base = rt.ctx()
    try:
        code = links.brand_code(base, target.brand_id)
    except NotFound:
        abort(404)
    finally:
        base.session.close()
    ctx = rt.ctx(code, user="consent-link")
    clock = current_app.config.get("DIRECTCRM_CLOCK")
    if clock is not None:
        ctx.clock = clock
    try:
        if MODULE not in ctx.enabled_modules:
            abort(404)
        customer = links.customer_for(ctx, target)
        wanted = request.args.get("lang") or ctx.locale
        locale = normalise_locale(wanted)
        with use_locale(locale):
            return _answer(ctx, target, customer, locale, token)
    except NotFound:
        abort(404)
    finally:
        ctx.session.close()


def _answer(ctx: Any, target: links.LinkTarget, customer: Any, locale: str,
            token: str) -> Any:
    done = None
    errors: list[str] = []
    if request.method == "POST":
        answer = request.form.get("answer")
        data = {"customer_ref": customer.customer_ref, "purpose": target.purpose,
                "channel": target.channel, "evidence": _("Answered on the public consent "
                                                         "link")}
        try:
            if answer == "give":
                consent.give(ctx, data, ConsentSource.WEB)
                done = _("Thank you: your consent is recorded.")
            elif answer == "withdraw":
                consent.withdraw(ctx, {k: v for k, v in data.items() if k != "evidence"},
                                 ConsentSource.WEB)
                done = _("Your consent is withdrawn. It takes effect at once.")
        except ValidationFailed as exc:  # shown to the person; nothing was written
            errors = [m for msgs in exc.errors.values() for m in msgs]
        except DomainError as exc:
            errors = [exc.message]
    version, text = links.notice_text(ctx, target.purpose, locale)
    live = any(s.live for s in consent.consent_states(ctx, customer.id)
               if s.purpose == target.purpose and s.channel == target.channel)
    html = _env.get_template("kyc/public_consent.html").render(
        brand=ctx.brand.name, name=_masked_name(customer.name),
        purpose=label(PURPOSE_LABELS, target.purpose),
        channel=label(CHANNEL_LABELS, target.channel), version=version, text=text,
        live=live, done=done, errors=errors, csrf_token=generate_csrf(), token=token,
        languages=LANGUAGES, locale=locale, lang=locale.replace("_", "-"))
    return html, (422 if errors else 200)


def register(app: Any, limiter: Any) -> None:
    """Mount the public page on the app, rate-limited per address."""
    if "kyc_public" not in app.blueprints:
        limiter.limit(PUBLIC_LIMIT)(blueprint)
        app.register_blueprint(blueprint)
