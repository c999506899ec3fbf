"""The public consent page (no login): ``/consent/<token>``, mobile-first, in the
customer's choice of the three languages, rate-limited per address.

GET shows the notice in effect for the link's purpose and the current answer; POST
``answer=give`` records the consent, ``answer=withdraw`` the withdrawal (one click), both
through the module's one write path with source ``web``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, abort, request

from core.api import DomainError, NotFound, ValidationFailed, _, use_locale
from core.api.web import masked_name, public_ctx, register_public, render_public, visitor_locale
from plugins.kyc import consent, links
from plugins.kyc.common import MODULE
from plugins.kyc.labels import CHANNEL_LABELS, PURPOSE_LABELS, label
from plugins.kyc.models import ConsentSource

TEMPLATES = Path(__file__).resolve().parent / "templates"

blueprint = Blueprint("kyc_public", __name__)


@blueprint.route("/consent/<string:token>", methods=["GET", "POST"])
def consent_page(token: str) -> Any:
    """The notice and the customer's answer for one purpose and channel."""
    try:
        target = links.read_link(token)
        ctx = public_ctx_for(target)
    except NotFound:
        abort(404)
    try:
        customer = links.customer_for(ctx, target)
        locale = visitor_locale(ctx)
        with use_locale(locale):  # the page's messages too
            return _answer(ctx, target, customer, locale, token)
    except NotFound:
        abort(404)
    finally:
        ctx.session.close()


def public_ctx_for(target: links.LinkTarget) -> Any:
    """The context of the brand a link belongs to (NotFound: gone, or module off)."""
    from core.api.web import runtime

    base = runtime().ctx()
    try:
        code = links.brand_code(base, target.brand_id)
    finally:
        base.session.close()
    return public_ctx(code, MODULE, "consent-link")


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
    html = render_public(TEMPLATES, "kyc/public_consent.html", ctx, locale,
                         name=masked_name(customer.name),
                         purpose=label(PURPOSE_LABELS, target.purpose),
                         channel=label(CHANNEL_LABELS, target.channel), version=version,
                         text=text, live=live, done=done, errors=errors, token=token)
    return html, (422 if errors else 200)


def register(app: Any, limiter: Any) -> None:
    """Mount the public page on the app, rate-limited per address."""
    register_public(app, limiter, blueprint)
