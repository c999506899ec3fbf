"""The public complaint form: a signed link per brand, errors named, a ticket attached to
the customer whose phone it is, retired links and brands without the module give 404."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.services.modules import enable_modules
from core.services.settings import set_settings
from plugins.complaints.models import Ticket
from tests.web.conftest import app, seeded  # noqa: F401  (fixtures)


def _link(run_cli) -> str:
    r = run_cli("complaints", "link", "--brand", "A", "--base-url", "https://crm.example.com")
    assert r.exit_code == 0, r.output
    m = re.fullmatch(r"https://crm\.example\.com(/complaint/A/\S+)\n", r.output)
    assert m, r.output
    return m.group(1)


def test_public_form_creates_a_ticket(app, ctx_a, ctx_b, run_cli):  # noqa: F811
    enable_modules(ctx_a, ["complaints"])
    ctx_a.refresh_modules()
    path = _link(run_cli)
    client = app.test_client()
    page = client.get(path + "?lang=zh_Hans_CN").get_data(as_text=True)
    assert "投诉与建议" in page and "Brand A" in page
    r = client.post(path + "?lang=en", data={"name": "", "phone": "13800138001",
                                             "summary": "", "category": "delivery"})
    assert r.status_code == 422
    text = r.get_data(as_text=True)
    assert text.count("Missing data for required field.") == 2 and "agree" in text
    assert ctx_a.session.scalar(select(Ticket.id)) is None
    r = client.post(path + "?lang=en", data={"name": "张伟", "phone": "138 0013 8001",
                                             "summary": "快递三天未到", "category": "delivery",
                                             "order_ref": "O1", "agree": "1"})
    assert r.status_code == 200 and "CPL-000001" in r.get_data(as_text=True)
    ctx_a.session.rollback()
    t = ctx_a.session.scalar(select(Ticket))
    # the phone is C1's (seeded 13800138001): attached to C1 and their order O1
    assert (t.channel, t.category, t.customer_id is not None, t.order_id is not None) == (
        "web_form", "delivery", True, True)
    unknown = client.post(path, data={"name": "路人", "phone": "13911112222",
                                      "summary": "门店态度差", "category": "rep_conduct",
                                      "order_ref": "X9", "agree": "1"})
    assert unknown.status_code == 200
    ctx_a.session.rollback()
    t2 = ctx_a.session.scalar(select(Ticket).where(Ticket.ref == "CPL-000002"))
    assert t2.customer_id is None and t2.caller_name == "路人" and "X9" in t2.summary
    # a forged token, another brand's path, a retired link: 404
    assert client.get(path[:-3] + "xyz").status_code == 404
    assert client.get(path.replace("/A/", "/B/")).status_code == 404
    set_settings(ctx_a, {"complaints.public_link_version": 2})
    ctx_a.session.commit()
    assert client.get(path).status_code == 404
    assert client.get(_link(run_cli)).status_code == 200


def test_survey_page_answers_once(app, ctx_a, clock):  # noqa: F811
    from plugins.complaints import services, surveys
    from plugins.complaints.models import Survey

    enable_modules(ctx_a, ["complaints"])
    ctx_a.refresh_modules()
    t = services.open_ticket(ctx_a, {"customer_ref": "C1", "channel": "phone",
                                     "category": "delivery", "summary": "迟到"})
    services.act(ctx_a, t.ref, "respond", {})
    services.act(ctx_a, t.ref, "resolve", {"resolution": "apology"})
    s = ctx_a.session.scalar(select(Survey))
    path = f"/survey/A/{surveys.token(s)}"
    client = app.test_client()
    page = client.get(path + "?lang=zh_Hant_TW").get_data(as_text=True)
    assert "處理" in page and 'value="5"' in page and 'value="6"' not in page
    r = client.post(path + "?lang=en", data={"score": "6"})
    assert r.status_code == 422 and "from 1 to 5" in r.get_data(as_text=True)
    r = client.post(path + "?lang=en", data={"score": "4", "comment": "还不错"})
    assert r.status_code == 200 and "Thank you for your answer." in r.get_data(as_text=True)
    r = client.post(path + "?lang=en", data={"score": "1"})
    assert "Thank you for your answer." in r.get_data(as_text=True)  # the first answer stays
    ctx_a.session.rollback()
    assert (ctx_a.session.get(Survey, s.id).score, ctx_a.session.get(Survey, s.id).comment) \
        == (4, "还不错")
    assert client.get(path[:-2] + "zz").status_code == 404
    assert client.get(path.replace("/A/", "/B/")).status_code == 404
