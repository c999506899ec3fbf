"""Identity documents: check digits, the sensitive-data consent, encryption, refresh."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select, text

from core.api import ValidationFailed, lookup_hash
from core.audit.models import AuditEntry
from core.models import Task
from core.scheduler import run_jobs
from core.services.reps import create_rep
from plugins.kyc import identity
from plugins.kyc.documents import InvalidNumber, check_number
from plugins.kyc.models import Identity
from tests.plugins.kyc.helpers import give, notice, setup_brand, utc

TODAY = dt.date(2026, 3, 2)
RIC_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def ric_check(first17: str) -> str:
    """GB 11643's check character, written out independently of python-stdnum."""
    total = sum(int(c) * w for c, w in zip(first17, RIC_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def test_ric_check_character_by_the_standards_formula():
    # 110105 (Beijing Chaoyang), born 1949-12-31, sequence 002: the standard's example.
    assert ric_check("11010519491231002") == "X"
    doc = check_number("cn_resident_id", "110105 19491231 002x", TODAY)
    assert (doc.number, doc.birth_date) == ("11010519491231002X", dt.date(1949, 12, 31))
    assert doc.region and "朝阳" in doc.region
    body = "44030419900307123"  # Shenzhen Futian, 1990-03-07
    assert check_number("cn_resident_id", body + ric_check(body), TODAY).birth_date == \
        dt.date(1990, 3, 7)


@pytest.mark.parametrize(("id_type", "number", "reason"), [
    ("cn_resident_id", "110105194912310021", "check digit"),    # X expected
    ("cn_resident_id", "1101051949123100", "length"),
    ("cn_resident_id", "11010520991231" + "002" + ric_check("11010520991231002"), "future"),
    ("cn_resident_id", "99999919491231002" + ric_check("99999919491231002"), "region"),
    ("cn_resident_id", "11010519491332" + "002" + ric_check("11010519491332002"), "birth"),
    ("tw_national_id", "A123456788", "check digit"),
    ("tw_national_id", "A323456789", "letter"),
    ("hk_mo_permit", "X12345678", "H or M"),
    ("passport", "E123", "5 to 20"),
    ("cn_resident_id", "", "required"),
])
def test_invalid_numbers_are_refused_with_the_reason(id_type, number, reason):
    with pytest.raises(InvalidNumber) as exc:
        check_number(id_type, number, TODAY)
    assert reason in str(exc.value)


def test_taiwan_id_by_hand():
    # A = 10: 1*1 + 0*9 + 1*8 + 2*7 + 3*6 + 4*5 + 5*4 + 6*3 + 7*2 + 8*1 + 9*1 = 130.
    assert check_number("tw_national_id", "a123456789", TODAY).number == "A123456789"


def test_social_credit_code():
    assert check_number("cn_uscc", "91110000600037341L", TODAY).number == "91110000600037341L"
    with pytest.raises(InvalidNumber):
        check_number("cn_uscc", "91110000600037341M", TODAY)


VALID_ID = "44030419900307123" + ric_check("44030419900307123")


def test_storing_an_id_number_needs_sensitive_data_consent(ctx_a, enable):
    setup_brand(ctx_a, enable)
    data = {"customer_ref": "C1", "id_type": "cn_resident_id", "id_number": VALID_ID,
            "method": "onsite", "legal_name": "李娜"}
    with pytest.raises(ValidationFailed) as exc:
        identity.verify(ctx_a, data)
    assert "P2" in exc.value.errors["id_number"][0]
    ctx_a.session.rollback()
    assert ctx_a.session.scalar(select(Identity.id)) is None
    give(ctx_a, "C1", "sensitive_data", "visit")
    done = identity.verify(ctx_a, data)
    assert done.masked_number == VALID_ID[:3] + "****" + VALID_ID[-4:]
    raw_number, raw_hash, raw_name = ctx_a.session.execute(text(
        "SELECT number, number_hash, legal_name FROM kyc_identities")).one()
    assert VALID_ID not in raw_number and "李娜" not in raw_name
    assert raw_hash == lookup_hash(VALID_ID)
    # 24 months from 2026-03-02 (local).
    assert done.valid_until == dt.date(2028, 3, 2)


def test_one_number_cannot_belong_to_two_customers(ctx_a, enable):
    setup_brand(ctx_a, enable, customers=("C1", "C2"))
    for ref in ("C1", "C2"):
        give(ctx_a, ref, "sensitive_data", "visit")
    data = {"id_type": "cn_resident_id", "id_number": VALID_ID, "method": "onsite"}
    identity.verify(ctx_a, {**data, "customer_ref": "C1"})
    with pytest.raises(ValidationFailed) as exc:
        identity.verify(ctx_a, {**data, "customer_ref": "C2"})
    assert "C1" in exc.value.errors["id_number"][0]


def test_a_reps_declared_birth_date_is_compared(ctx_a, enable, run_cli):
    setup_brand(ctx_a, enable)
    create_rep(ctx_a, {"rep_ref": "R2", "name": "陈", "birth_date": "1990-03-08"})
    r = run_cli("kyc", "verify", "--brand", "A", "--rep", "R2", "--id-type",
                "cn_resident_id", "--id-number", VALID_ID, "--method", "face")
    assert r.exit_code == 0, r.output
    assert "1990-03-07" in r.output and "1990-03-08" in r.output
    r = run_cli("kyc", "verify", "--brand", "A", "--rep", "R2", "--id-type",
                "cn_resident_id", "--id-number", VALID_ID[:-1] + "0", "--method", "face")
    assert r.exit_code == 1 and "id_number" in r.output and "check digit" in r.output


def test_refresh_due_listing_and_one_task_per_lapse(ctx_a, enable, clock, run_cli):
    setup_brand(ctx_a, enable, customers=("C1", "C2"))
    notice(ctx_a, "sensitive_data", "v0", "2023-01-01")
    give(ctx_a, "C1", "sensitive_data", "visit", at="2024-01-10T10:00:00")
    give(ctx_a, "C2", "sensitive_data", "visit", at="2024-01-10T10:00:00")
    # Verified 2024-01-10 → valid until 2026-01-10: lapsed on the test clock (2026-03-02).
    identity.verify(ctx_a, {"customer_ref": "C1", "id_type": "passport", "id_number":
                            "E12345678", "method": "onsite", "at": "2024-01-10T10:00:00"})
    # Verified 2024-03-20 → 2026-03-20: within the 30 days' notice.
    identity.verify(ctx_a, {"customer_ref": "C2", "id_type": "passport", "id_number":
                            "E87654321", "method": "onsite", "at": "2024-03-20T10:00:00"})
    r = run_cli("kyc", "due", "--brand", "A", "--format", "json")
    rows = json.loads(r.output)
    assert [(x["ref"], x["valid_until"]) for x in rows] == [("C1", "2026-01-10"),
                                                           ("C2", "2026-03-20")]
    # (The CLI runs on the wall clock, when both have lapsed; the service on the test's.)
    assert [d.ref for d in identity.refresh_due(ctx_a, within_days=10)] == ["C1"]
    assert [d.ref for d in identity.refresh_due(ctx_a)] == ["C1", "C2"]
    run_jobs(ctx_a)
    run_jobs(ctx_a)
    ctx_a.session.rollback()
    keys = sorted(ctx_a.session.scalars(select(Task.rule_key).where(Task.kind == "kyc_refresh")))
    assert len(keys) == 2 and keys[0].endswith(":2026-01-10")
    # A new verification moves the lapse date: nothing is due for C1 any more.
    clock.value = utc(2026, 3, 5, 2)
    identity.verify(ctx_a, {"customer_ref": "C1", "id_type": "passport", "id_number":
                            "E12345678", "method": "face"})
    assert [d.ref for d in identity.refresh_due(ctx_a)] == ["C2"]


def test_reveal_is_audited(ctx_a, enable):
    setup_brand(ctx_a, enable)
    give(ctx_a, "C1", "sensitive_data", "visit")
    done = identity.verify(ctx_a, {"customer_ref": "C1", "id_type": "cn_resident_id",
                                   "id_number": VALID_ID, "method": "sms"})
    assert identity.reveal_number(ctx_a, done.identity_id) == VALID_ID
    ctx_a.session.rollback()
    entry = ctx_a.session.scalar(select(AuditEntry).where(AuditEntry.action == "reveal"))
    assert entry is not None and entry.record_type == "kyc_identities"


def _ric(born: str, seq: str = "123") -> str:
    # 110105: Beijing Chaoyang (python-stdnum checks that the region code existed on the
    # birth date: Shenzhen Futian's 440304 would be refused for 1980).
    body = f"110105{born.replace('-', '')}{seq}"
    return body + ric_check(body)


def test_the_verified_birth_date_decides_ds1(ctx_a, enable):
    """A rep who declared 1990 but whose ID says 2010 (16 in 2026) cannot be activated,
    and an active rep whose declared date differs from the verified one is a finding."""
    from core.services.reps import change_rep_status
    from plugins.compliance.checks.base import month_period
    from plugins.compliance.services import run_checks

    setup_brand(ctx_a, enable)
    enable(ctx_a, "compliance")
    create_rep(ctx_a, {"rep_ref": "YOUNG", "name": "小王", "birth_date": "1990-01-01",
                       "status": "applicant"})
    create_rep(ctx_a, {"rep_ref": "OLDER", "name": "老李", "birth_date": "1980-05-05",
                       "status": "active", "joined_on": "2025-01-01"})
    identity.verify(ctx_a, {"rep_ref": "YOUNG", "id_type": "cn_resident_id",
                            "id_number": _ric("2010-01-01"), "method": "onsite"})
    identity.verify(ctx_a, {"rep_ref": "OLDER", "id_type": "cn_resident_id",
                            "id_number": _ric("1980-05-06", "456"), "method": "onsite"})
    with pytest.raises(Exception, match="DS1"):
        change_rep_status(ctx_a, "YOUNG", "active", effective_on=dt.date(2026, 3, 2))
    ds1 = next(r for r in run_checks(ctx_a, month_period(ctx_a, 2026, 3)) if r.rule_id == "DS1")
    found = {r[0]: r[-1] for r in ds1.records}
    # R1 (no birth date at all) is listed too; YOUNG was never activated.
    assert set(found) == {"OLDER", "R1"} and "1980-05-06" in found["OLDER"]
    # Without the kyc module the declared dates count again: nothing to report.
    from core.services.modules import disable_modules
    disable_modules(ctx_a, ["kyc"])
    ctx_a.refresh_modules()
    ds1 = next(r for r in run_checks(ctx_a, month_period(ctx_a, 2026, 3)) if r.rule_id == "DS1")
    assert "OLDER" not in {r[0] for r in ds1.records}


def test_a_reps_bank_account_needs_the_verified_name_and_a_valid_number(ctx_a, enable,
                                                                        run_cli):
    setup_brand(ctx_a, enable)
    args = ("kyc", "bank-account", "--brand", "A", "--rep", "R1", "--bank", "工商银行")
    # 622202123456789012 + Luhn check digit 8 (worked out: doubled every second digit
    # from the right, sum 72, so 8 makes 80).
    good, bad = "6222 0212 3456 7890 128", "6222021234567890129"
    r = run_cli(*args, "--holder", "王芳", "--number", good)
    assert r.exit_code == 1 and "holder_name" in r.output  # no verified identity yet
    identity.verify(ctx_a, {"rep_ref": "R1", "id_type": "cn_resident_id",
                            "id_number": _ric("1985-07-01"), "method": "onsite",
                            "legal_name": "王芳"})
    r = run_cli(*args, "--holder", "王小芳", "--number", bad)
    assert r.exit_code == 1 and "holder_name" in r.output and "account_number" in r.output
    r = run_cli(*args, "--holder", "王芳", "--number", good)
    assert r.exit_code == 0 and "622****0128" in r.output
    raw = ctx_a.session.execute(text("SELECT account_number, holder_name FROM "
                                     "kyc_bank_accounts")).one()
    assert "6222021234567890128" not in raw[0] and "王芳" not in raw[1]


def test_evidence_is_kept_encrypted_outside_the_rows(ctx_a, enable, tmp_path, monkeypatch):
    from core.files import read_encrypted
    from core.services.personal_data import erase_customer
    from plugins.kyc.models import Verification

    monkeypatch.setenv("DIRECTCRM_FILES_DIR", str(tmp_path / "files"))
    setup_brand(ctx_a, enable)
    photo = "现场核验照片 C1 E12345678".encode() * 10
    data = {"customer_ref": "C1", "id_type": "passport", "id_number": "E12345678",
            "method": "onsite"}
    with pytest.raises(ValidationFailed):  # no sensitive-data consent: nothing is kept
        identity.verify(ctx_a, data, evidence=photo)
    assert not list((tmp_path / "files").rglob("*.enc"))
    give(ctx_a, "C1", "sensitive_data", "visit")
    identity.verify(ctx_a, data, evidence=photo)
    ref = ctx_a.session.scalar(select(Verification.evidence_ref))
    stored = list((tmp_path / "files").rglob("*.enc"))
    assert len(stored) == 1 and ref.startswith("kyc_evidence/")
    assert b"E12345678" not in stored[0].read_bytes()
    assert read_encrypted(ref) == photo
    from core.models import Customer
    erase_customer(ctx_a, ctx_a.session.scalar(select(Customer.id).where(
        Customer.customer_ref == "C1")))
    assert not list((tmp_path / "files").rglob("*.enc"))
