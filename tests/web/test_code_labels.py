"""Pages show labels, not codes: channels, payment methods, segments with their scheme,
the system as author, module names, and task titles in the reader's language."""

from __future__ import annotations

from core.context import Ctx
from tests.web.conftest import app, login, seeded  # noqa: F401  (fixtures)


def test_order_and_customer_pages_label_their_codes(app, login, ctx_a: Ctx):  # noqa: F811
    from core.segmentation.services import recompute_segments
    from core.services.customers import create_customer
    from core.services.orders import create_order

    customer = create_customer(ctx_a, {"customer_ref": "C9", "name": "周敏",
                                       "source_channel": "wechat_group", "rep_ref": "R1"})
    order = create_order(ctx_a, {"order_ref": "O9", "customer_ref": "C9",
                                 "ordered_at": "2026-03-01T10:00:00+08:00", "status": "paid",
                                 "channel": "offline",
                                 "lines": [{"sku": "P1", "quantity": 1, "unit_price": "199.00"}]})
    recompute_segments(ctx_a)
    client = login("boss_a")
    client.get("/language/zh_Hans_CN")
    html = client.get(f"/orders/show/{order.id}").get_data(as_text=True)
    # Paid without saying how: the method is "unspecified", shown as 未指定.
    assert ">到店/当面<" in html and ">未指定<" in html
    assert ">offline<" not in html and ">unspecified<" not in html
    html = client.get(f"/customers/show/{customer.id}").get_data(as_text=True)
    assert "微信群" in html and ">wechat_group<" not in html
    # ABC over the year: C1 797.00, C3 599.00, C9 199.00 of 1,595.00; C1 and C3 are ranked
    # ahead of C9 with 1,396.00 ≥ 80 % (1,276.00), so C9 is B.
    assert "ABC（帕累托）" in html and "B：其后 15% 营收" in html
    client.get("/language/zh_Hant_TW")
    html = client.get(f"/customers/show/{customer.id}").get_data(as_text=True)
    assert "微信群組" in html and "B：其後 15% 營收" in html


def test_system_author_modules_and_task_titles(app, login, make_ctx):  # noqa: F811
    from core.i18n import _, use_locale
    from core.services.activities import create_interaction, create_task

    ctx_a = make_ctx("A", user="system")  # an import, a rule or the demo
    create_interaction(ctx_a, {"customer_ref": "C1", "kind": "call", "summary": "回访",
                               "occurred_at": "2026-03-01T10:00:00+08:00"})
    with use_locale("zh_Hans_CN"):  # a rule writes its title in the brand's language
        title = _("Replenishment: %(product)s runs out around %(date)s", product="维C片",
                  date="2026-03-04")
    create_task(ctx_a, {"title": title, "customer_ref": "C1",
                        "due_at": "2026-03-04T10:00:00+08:00"})
    client = login("boss_a")
    client.get("/language/en")
    html = client.get("/interactions/list/").get_data(as_text=True)
    assert ">System<" in html and ">system<" not in html
    html = client.get("/tasks/list/").get_data(as_text=True)
    assert "Replenishment: 维C片 runs out around 2026-03-04" in html
    client.get("/language/zh_Hant_TW")
    html = client.get("/tasks/list/").get_data(as_text=True)
    assert "補貨提醒：维C片 約在 2026-03-04 用完" in html
    assert title not in html
    html = client.get("/brands/list/").get_data(as_text=True)
    assert "會員等級、購物點數、點數兌換與到期。" in html
    assert "Membership tiers" not in html


def test_write_buttons_only_for_roles_that_may_write(app, login, seeded):  # noqa: F811
    cid = seeded.customers["C1"]
    buttons = ('id="log-interaction"', 'id="new-task"', 'id="new-order"')
    html = login("boss_a").get(f"/customers/show/{cid}").get_data(as_text=True)
    assert all(b in html for b in buttons)
    # The compliance officer reads everything and writes nothing: no button to a 403.
    officer = login("audit_a")
    html = officer.get(f"/customers/show/{cid}").get_data(as_text=True)
    assert not any(b in html for b in buttons)
    assert officer.get("/interactions/add?customer=C1").status_code == 403
    html = officer.get("/orders/list/").get_data(as_text=True)
    assert "/orders/add" not in html
    order_id = html.split('href="/orders/show/')[1].split('"')[0]
    assert 'id="record-return"' not in officer.get(f"/orders/show/{order_id}").get_data(
        as_text=True)
