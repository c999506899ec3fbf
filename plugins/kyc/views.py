"""Admin screens of the kyc module: a customer's consents and identity documents, the
data-request queue, and the consent notices. Thin: read the request, call the services.

The resource is ``mod_kyc`` (admins and managers write, other roles read); every page
answers 404 for brands that have not enabled the module.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import AppBuilder, expose, has_access

from core.api import N_, Customer, DomainError, ValidationFailed, _, enqueue, get_by_ref
from core.api.web import CrmView, Field, module_ctx, not_found_on_missing, redirect_to_job
from plugins.kyc import consent, dsr, identity
from plugins.kyc.background import EXPORT_JOB
from plugins.kyc.common import MODULE
from plugins.kyc.labels import (
    CHANNEL_LABELS,
    ID_TYPE_LABELS,
    METHOD_LABELS,
    PURPOSE_LABELS,
    REQUEST_KIND_LABELS,
    TRIGGER_LABELS,
    label,
)
from plugins.kyc.models import (
    Channel,
    ConsentNotice,
    ConsentSource,
    IdType,
    Purpose,
    RequestKind,
    VerificationMethod,
)

RESOURCE = "mod_kyc"


def _choices(labels: dict[str, str], codes: list[str]) -> list[tuple[str, str]]:
    return [(c, label(labels, c)) for c in codes]


def consent_fields() -> list[Field]:
    """Recording a consent for a customer."""
    return [
        Field("purpose", N_("Purpose"), "select", required=True,
              choices=lambda: _choices(PURPOSE_LABELS, [p.value for p in Purpose])),
        Field("channel", N_("Channel"), "select", required=True,
              choices=lambda: _choices(CHANNEL_LABELS, [c.value for c in Channel])),
        Field("notice_version", N_("Notice version"),
              help=N_("Empty: the version in effect.")),
        Field("evidence", N_("Evidence"), help=N_("Where the signed form or record is kept.")),
        Field("guardian_name", N_("Guardian (for a minor)")),
    ]


def verify_fields() -> list[Field]:
    """Verifying an identity document."""
    return [
        Field("id_type", N_("Document"), "select", required=True,
              choices=lambda: _choices(ID_TYPE_LABELS, [t.value for t in IdType])),
        Field("id_number", N_("Number"), required=True),
        Field("legal_name", N_("Name on the document")),
        Field("method", N_("Method"), "select", required=True,
              choices=lambda: _choices(METHOD_LABELS, [m.value for m in VerificationMethod])),
    ]


def request_fields() -> list[Field]:
    """Registering a data-subject request."""
    return [
        Field("customer_ref", N_("Customer reference"), "picker", required=True,
              picker="CustomerView.pick"),
        Field("kind", N_("Request"), "select", required=True,
              choices=lambda: _choices(REQUEST_KIND_LABELS, [k.value for k in RequestKind])),
        Field("identity_check", N_("How the requester's identity was checked")),
    ]


def assessment_fields() -> list[Field]:
    """Recording an impact assessment."""
    return [
        Field("trigger", N_("Trigger"), "select", required=True,
              choices=lambda: _choices(TRIGGER_LABELS, list(TRIGGER_LABELS))),
        Field("assessed_on", N_("Assessed on"), "date", required=True),
        Field("review_on", N_("Review due"), "date",
              help=N_("Empty: a year after the assessment.")),
        Field("scope", N_("Processing assessed"), "textarea", required=True),
        Field("decision", N_("Conclusion and measures"), "textarea", required=True),
    ]


def notice_fields() -> list[Field]:
    """Publishing a notice version."""
    return [
        Field("purpose", N_("Purpose"), "select", required=True,
              choices=lambda: _choices(PURPOSE_LABELS, [p.value for p in Purpose])),
        Field("version", N_("Version"), required=True),
        Field("locale", N_("Language"), "select", required=True,
              choices=lambda: [("zh_Hans_CN", "简体中文"), ("zh_Hant_TW", "繁體中文"),
                               ("en", "English")]),
        Field("effective_on", N_("In effect from"), "date", required=True),
        Field("material", N_("Material change (ask everyone again)"), "select",
              choices=lambda: [("true", _("Yes")), ("false", _("No"))]),
        Field("text", N_("Text"), "textarea", required=True),
    ]


class KycView(CrmView):
    """Consents and identities per customer, data requests, notices."""

    route_base = "/kyc"
    default_view = "requests"
    class_permission_name = RESOURCE
    template_folder = str(Path(__file__).resolve().parent / "templates")
    method_permission_name = {"customer": "read", "give": "write", "withdraw": "write",
                              "verify": "write", "requests": "read", "open": "write",
                              "export": "write", "close": "write", "erase": "write",
                              "reveal": "write",
                              "notices": "read", "notice": "write",
                              "assessments": "read", "assessment": "write"}

    @expose("/customer/<string:ref>")
    @has_access
    @not_found_on_missing
    def customer(self, ref: str) -> Any:
        ctx = module_ctx(MODULE)
        return self._customer_page(ctx, get_by_ref(ctx, Customer, ref), {})

    def _customer_page(self, ctx: Any, customer: Customer, revealed: dict[int, str]) -> Any:
        return self.page("kyc/customer.html", customer=customer, revealed=revealed,
                         states=consent.consent_states(ctx, customer.id),
                         documents=identity.documents(ctx, customer.id), label=label,
                         labels={"purpose": PURPOSE_LABELS, "channel": CHANNEL_LABELS,
                                 "id_type": ID_TYPE_LABELS},
                         title=_("Consent and identity of %(name)s", name=customer.name))

    @expose("/customer/<string:ref>/consent", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def give(self, ref: str) -> Any:
        ctx = module_ctx(MODULE)
        customer = get_by_ref(ctx, Customer, ref)
        back = url_for(".customer", ref=ref)
        return self.save(consent_fields(), lambda data: consent.give(
            ctx, {**data, "customer_ref": ref}, ConsentSource.REP), "crm/form.html",
            lambda _n: back, _("Record a consent of %(name)s", name=customer.name), {},
            back=back)

    @expose("/customer/<string:ref>/withdraw", methods=["POST"])
    @has_access
    @not_found_on_missing
    def withdraw(self, ref: str) -> Any:
        ctx = module_ctx(MODULE)
        data = {"customer_ref": ref, "purpose": request.form.get("purpose", "")}
        if request.form.get("channel"):
            data["channel"] = request.form["channel"]
        try:
            consent.withdraw(ctx, data, ConsentSource.REP)
            flash(_("Withdrawal recorded."), "success")
        except ValidationFailed as exc:
            flash("; ".join(m for msgs in exc.errors.values() for m in msgs), "danger")
        return redirect(url_for(".customer", ref=ref))

    @expose("/customer/<string:ref>/reveal/<int:identity_id>", methods=["POST"])
    @has_access
    @not_found_on_missing
    def reveal(self, ref: str, identity_id: int) -> Any:
        """Show one document number in full, once; the reveal is in the audit log."""
        ctx = module_ctx(MODULE)
        customer = get_by_ref(ctx, Customer, ref)
        if identity_id not in {d.identity_id for d in identity.documents(ctx, customer.id)}:
            abort(404)
        number = identity.reveal_number(ctx, identity_id) or ""
        return self._customer_page(ctx, customer, {identity_id: number})

    @expose("/customer/<string:ref>/verify", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def verify(self, ref: str) -> Any:
        ctx = module_ctx(MODULE)
        customer = get_by_ref(ctx, Customer, ref)
        back = url_for(".customer", ref=ref)
        return self.save(verify_fields(), lambda data: identity.verify(
            ctx, {**data, "customer_ref": ref}), "crm/form.html", lambda _v: back,
            _("Verify the identity of %(name)s", name=customer.name), {}, back=back)

    @expose("/requests/")
    @has_access
    @not_found_on_missing
    def requests(self) -> Any:
        ctx = module_ctx(MODULE)
        show = request.args.get("show", "open")
        rows = dsr.list_requests(ctx, overdue_only=show == "overdue", open_only=show == "open")
        return self.page("kyc/requests.html", rows=rows, show=show, label=label,
                         kind_labels=REQUEST_KIND_LABELS, tz=ctx.tz,
                         title=_("Data-subject requests"))

    @expose("/requests/new", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def open(self) -> Any:
        ctx = module_ctx(MODULE)
        back = url_for(".requests")
        return self.save(request_fields(), lambda data: dsr.open_request(ctx, data),
                         "crm/form.html", lambda _r: back, _("New data-subject request"),
                         {"customer_ref": request.args.get("customer", "")}, back=back)

    @expose("/requests/<string:ref>/export", methods=["POST"])
    @has_access
    @not_found_on_missing
    def export(self, ref: str) -> Any:
        """Queue the archive (a worker writes it) and answer with the job's page, which
        offers the ZIP when it is ready."""
        ctx = module_ctx(MODULE)
        dsr.get_request(ctx, ref)  # another brand's (or rep's) request: 404 now
        return redirect_to_job(enqueue(ctx, EXPORT_JOB, {"ref": ref}))

    @expose("/requests/<string:ref>/close", methods=["POST"])
    @has_access
    @not_found_on_missing
    def close(self, ref: str) -> Any:
        ctx = module_ctx(MODULE)
        try:
            dsr.close_request(ctx, ref, outcome=request.form.get("outcome", ""),
                              refused=request.form.get("refuse") == "1")
            flash(_("Request %(ref)s closed.", ref=ref), "success")
        except DomainError as exc:
            flash(exc.message, "danger")
        return redirect(url_for(".requests"))

    @expose("/requests/<string:ref>/erase", methods=["POST"])
    @has_access
    @not_found_on_missing
    def erase(self, ref: str) -> Any:
        ctx = module_ctx(MODULE)
        try:
            done = dsr.erase_request(ctx, ref)
            flash(done.outcome or "", "success")
        except DomainError as exc:
            flash(exc.message, "danger")
        return redirect(url_for(".requests"))

    @expose("/notices/")
    @has_access
    @not_found_on_missing
    def notices(self) -> Any:
        ctx = module_ctx(MODULE)
        rows = ctx.session.scalars(consent.notices_query(ctx)).all()
        return self.page("kyc/notices.html", notices=rows, label=label,
                         purpose_labels=PURPOSE_LABELS,
                         reconsent=len(consent.reconsent_due(ctx)),
                         title=_("Consent notices"))

    @expose("/notices/new", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def notice(self) -> Any:
        ctx = module_ctx(MODULE)
        back = url_for(".notices")

        def publish(data: dict[str, Any]) -> ConsentNotice:
            return consent.add_notice(ctx, {**data, "material": data.get("material",
                                                                         "true") == "true"})

        return self.save(notice_fields(), publish, "crm/form.html", lambda _n: back,
                         _("Publish a notice version"), {"material": "true"}, back=back)


    @expose("/assessments/")
    @has_access
    @not_found_on_missing
    def assessments(self) -> Any:
        from plugins.kyc.assessments import list_assessments

        ctx = module_ctx(MODULE)
        return self.page("kyc/assessments.html", rows=list_assessments(ctx),
                         today=ctx.local_today(), label=label,
                         trigger_labels=TRIGGER_LABELS, title=_("Impact assessments"))

    @expose("/assessments/new", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def assessment(self) -> Any:
        from plugins.kyc.assessments import add_assessment

        ctx = module_ctx(MODULE)
        back = url_for(".assessments")
        return self.save(assessment_fields(), lambda data: add_assessment(ctx, data),
                         "crm/form.html", lambda _a: back, _("Record an impact assessment"),
                         {}, back=back)


def register(appbuilder: AppBuilder) -> None:
    """The screens (menu: requests and notices) and the REST API."""
    from plugins.kyc import public
    from plugins.kyc.api import KycApi

    appbuilder.add_view(KycView, "Privacy", label=N_("Privacy"))
    appbuilder.add_api(KycApi)
    public.register(current_app._get_current_object(), appbuilder.sm.limiter)
