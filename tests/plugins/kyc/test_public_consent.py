"""The public consent link: shows the notice, records the answer, withdraws in one click,
refuses altered links, and is off for brands without the module."""

from __future__ import annotations

from sqlalchemy import select

from core.models import Customer
from core.services.modules import enable_modules
from plugins.kyc import consent, links
from plugins.kyc.consent import consent_states
from tests.web.conftest import app, seeded  # noqa: F401  (fixtures)


def _setup(ctx):
    enable_modules(ctx, ["kyc"])
    ctx.refresh_modules()
    for locale, text in (("zh_Hans_CN", "我们会向您发送新品和优惠信息。"),
                         ("en", "We will send you news of products and offers.")):
        consent.add_notice(ctx, {"purpose": "marketing", "version": "2026-01", "locale": locale,
                                 "text": text, "effective_on": "2026-01-01"})
    return links.link_token(ctx, "C1", "marketing", "wechat")


def _live(ctx) -> bool:
    ctx.session.rollback()
    cid = ctx.session.scalar(select(Customer.id).where(Customer.customer_ref == "C1"))
    return any(s.live for s in consent_states(ctx, cid) if s.channel == "wechat")


def test_the_link_records_consent_and_withdraws_in_one_click(app, ctx_a, run_cli):  # noqa: F811
    link = _setup(ctx_a)
    client = app.test_client()
    page = client.get(f"/consent/{link}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "我们会向您发送新品和优惠信息。" in html and "张*" in html and "张伟" not in html
    english = client.get(f"/consent/{link}?lang=en").get_data(as_text=True)
    assert "We will send you news" in english and "I agree" in english
    assert client.post(f"/consent/{link}", data={"answer": "give"}).status_code == 200
    assert _live(ctx_a)
    records = consent_states(ctx_a, ctx_a.session.scalar(
        select(Customer.id).where(Customer.customer_ref == "C1")))
    assert [(s.source, s.notice_version) for s in records] == [("web", "2026-01")]
    shown = client.get(f"/consent/{link}?lang=en").get_data(as_text=True)
    assert "Withdraw my consent" in shown
    assert client.post(f"/consent/{link}", data={"answer": "withdraw"}).status_code == 200
    assert not _live(ctx_a)
    # The CLI prints the same kind of link.
    r = run_cli("consent", "link", "--brand", "A", "--customer", "C1", "--purpose",
                "marketing", "--channel", "wechat", "--base-url", "https://crm.example.com/")
    assert r.exit_code == 0 and r.output.startswith("https://crm.example.com/consent/")
    assert client.get(r.output.strip().removeprefix("https://crm.example.com")
                      ).status_code == 200


def test_altered_or_foreign_links_are_unknown(app, ctx_a, ctx_b):  # noqa: F811
    link = _setup(ctx_a)
    client = app.test_client()
    payload, signature = link.rsplit(".", 1)
    # Change a character that carries signature bits (base64's last one may carry only
    # padding, so altering it can leave the decoded signature the same).
    altered = signature[0].translate(str.maketrans("AB", "BA")) if signature[0] in "AB" \
        else "A"
    assert client.get(f"/consent/{payload}.{altered}{signature[1:]}").status_code == 404
    assert client.get("/consent/not-a-token").status_code == 404
    from core.services.modules import disable_modules
    disable_modules(ctx_a, ["kyc"])
    assert client.get(f"/consent/{link}").status_code == 404
