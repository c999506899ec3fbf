"""DS7 and PY1 with pay items from another module's ``crm_rep_pay_items``."""

from __future__ import annotations

from decimal import Decimal

from core.events import PayItem
from core.models import Rep


def _rep_id(ctx, ref):
    return ctx.session.query(Rep.id).filter_by(brand_id=ctx.brand_id, rep_ref=ref).scalar()


def test_cn_pay_item_on_own_sales_passes_py1_but_counts_for_ds7(clean_a, fake_pay, results):
    module = fake_pay(clean_a)
    r1 = _rep_id(clean_a, "R1")
    module.items = [PayItem(rep_id=r1, period="2026-02", kind="points", amount=Decimal("10.00"),
                            source="loyalty", inputs=("own_sales", "points"))]
    res = results(clean_a)
    assert res["PY1"].status == "pass" and res["PY1"].checked == 2  # import + loyalty
    # 60.00 imported + 10.00 points = 70.00 on 200.00 own sales = 35% > 30%.
    assert res["DS7"].status == "fail"
    assert res["DS7"].records[0][2:4] == (Decimal("70.00"), Decimal("200.00"))


def test_cn_pay_on_downline_sales_is_a_hard_py1_failure(clean_a, fake_pay, results):
    module = fake_pay(clean_a)
    r1 = _rep_id(clean_a, "R1")
    module.items = [PayItem(rep_id=r1, period="2026-02", kind="team_bonus",
                            amount=Decimal("0.01"), source="teamplan",
                            inputs=("own_sales", "downline_sales"))]
    res = results(clean_a)["PY1"]
    assert res.status == "fail" and res.failed == 1
    assert res.records[0][:2] == ("teamplan", "team_bonus")
    assert res.records[0][3] == "downline_sales"


def test_tw_allows_downline_sales_but_not_recruiting(clean_b, fake_pay, results):
    module = fake_pay(clean_b)
    r1 = _rep_id(clean_b, "R1")
    module.items = [PayItem(rep_id=r1, period="2026-02", kind="team_bonus",
                            amount=Decimal("500.00"), source="mlm",
                            inputs=("own_sales", "downline_sales"))]
    res = results(clean_b)
    assert res["PY1"].status == "pass"
    assert "DS7" not in res  # no 30% cap in the TW profile
    module.items.append(PayItem(rep_id=r1, period="2026-02", kind="recruit_bonus",
                                amount=Decimal("100.00"), source="mlm",
                                inputs=("recruit_count",)))
    res = results(clean_b)["PY1"]
    assert res.status == "fail" and [r[1] for r in res.records] == ["recruit_bonus"]


def test_a_report_run_asks_the_modules_for_pay_once(clean_a, fake_pay, results):
    module = fake_pay(clean_a)
    results(clean_a)
    # DS7, PY1 and DS11 all read the pay; the hook is called once for the run.
    assert module.calls == 1
