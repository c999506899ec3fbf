"""The kyc module's part of a person's data: in an export, and on erasure."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select, update

from core.api import Ctx, DataPart, _, delete_encrypted, masked
from plugins.kyc.models import ConsentRecord, DataRequest, Identity, Verification


def personal_data(ctx: Ctx, customer_id: int) -> list[DataPart]:
    """Consents (the whole ledger), identity documents (masked: the archive leaves the
    building), verifications and data requests."""
    b = ctx.brand_id
    consents = ctx.session.execute(
        select(ConsentRecord.at, ConsentRecord.purpose, ConsentRecord.channel,
               ConsentRecord.action, ConsentRecord.notice_version, ConsentRecord.source,
               ConsentRecord.evidence, ConsentRecord.guardian_name)
        .where(ConsentRecord.brand_id == b, ConsentRecord.customer_id == customer_id)
        .order_by(ConsentRecord.at, ConsentRecord.id))
    identities = ctx.session.execute(
        select(Identity.id_type, Identity.number, Identity.legal_name, Identity.birth_date,
               Identity.region).where(Identity.brand_id == b,
                                      Identity.customer_id == customer_id))
    checks = ctx.session.execute(
        select(Identity.id_type, Verification.method, Verification.passed,
               Verification.verified_at, Verification.valid_until, Verification.verified_by)
        .join(Identity, Identity.id == Verification.identity_id)
        .where(Verification.brand_id == b, Identity.customer_id == customer_id)
        .order_by(Verification.verified_at))
    requests = ctx.session.execute(
        select(DataRequest.request_ref, DataRequest.kind, DataRequest.opened_at,
               DataRequest.due_on, DataRequest.status, DataRequest.closed_at,
               DataRequest.outcome)
        .where(DataRequest.brand_id == b, DataRequest.customer_id == customer_id)
        .order_by(DataRequest.opened_at))
    return [
        DataPart("consents", _("Consents"), tuple(consents.keys()),
                 tuple(tuple(r) for r in consents),
                 {"purpose": "kyc.purpose", "channel": "kyc.channel",
                  "action": "kyc.consent_state", "source": "kyc.consent_source"}),
        DataPart("identities", _("Identity documents"),
                 ("id_type", "number", "legal_name", "birth_date", "region"),
                 tuple((t, masked(n), name, born, region)
                       for t, n, name, born, region in identities),
                 {"id_type": "kyc.id_type"}),
        DataPart("verifications", _("Identity verifications"), tuple(checks.keys()),
                 tuple(tuple(r) for r in checks),
                 {"id_type": "kyc.id_type", "method": "kyc.method"}),
        DataPart("data_requests", _("Data requests"), tuple(requests.keys()),
                 tuple(tuple(r) for r in requests),
                 {"kind": "kyc.request_kind", "status": "kyc.request_status"}),
    ]


def erase(ctx: Ctx, customer_ids: Sequence[int]) -> list[str]:
    """Delete identity documents and their verifications; keep the consent ledger (proof
    of what was agreed) without guardian names and evidence. Returns the erased values."""
    b = ctx.brand_id
    values: list[str] = []
    identities = list(ctx.session.execute(
        select(Identity.id, Identity.number, Identity.legal_name)
        .where(Identity.brand_id == b, Identity.customer_id.in_(customer_ids))))
    for _id, number, name in identities:
        values += [v for v in (number, name) if v]
    ids = [i for i, _n, _l in identities]
    if ids:
        for ref in ctx.session.scalars(select(Verification.evidence_ref).where(
                Verification.identity_id.in_(ids), Verification.evidence_ref.is_not(None))):
            if ref.startswith("kyc_evidence/"):
                delete_encrypted(ref)
        ctx.session.execute(delete(Verification).where(Verification.identity_id.in_(ids)))
        ctx.session.execute(delete(Identity).where(Identity.id.in_(ids)))
    values += [g for g in ctx.session.scalars(select(ConsentRecord.guardian_name).where(
        ConsentRecord.brand_id == b, ConsentRecord.customer_id.in_(customer_ids),
        ConsentRecord.guardian_name.is_not(None))) if g]
    ctx.session.execute(update(ConsentRecord).where(
        ConsentRecord.brand_id == b, ConsentRecord.customer_id.in_(customer_ids))
        .values(guardian_name=None, evidence=None))
    return values
