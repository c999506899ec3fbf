"""A demo brand with a year of realistic history, built through the import and services.

``build_demo`` is idempotent: the generated files use stable references (same seed, same
refs), so a second run skips what exists; interactions are added only to a brand that has
none, and generated tasks carry rule keys.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from sqlalchemy import bindparam, exists, func, insert, select, update

from core import audit
from core.context import Ctx
from core.errors import NotFound
from core.i18n import N_, _, use_locale
from core.importing import ImportResult, import_csv
from core.importing.reader import BadFile
from core.leads.models import Lead
from core.models import Customer, Interaction, LifecycleStage, Order, OrderStatus, Rep, TaskStatus
from core.services.brands import create_brand, get_brand
from core.services.modules import enable_modules
from core.tasks.store import insert_tasks, task_row

DEMO_BRAND = "DEMO"
DEMO_MODULES = ("loyalty", "compliance", "referral", "complaints", "kyc")

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾萧田董"
            "潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦傅方邹熊白孟秦邱")
GIVEN = ["芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
         "明", "超", "秀英", "霞", "平", "刚", "桂英", "华", "玲", "婷", "雪", "慧", "晨",
         "欣怡", "子涵", "雨桐", "梓萱", "浩然", "宇轩", "思远", "佳怡", "嘉欣", "晓红",
         "文博", "建国", "春梅", "海燕", "志强", "美玲", "丹丹", "琳", "倩", "颖", "鹏"]
# (province, city) of each rep's branch; orders are placed in the rep's province.
PROVINCES = [("广东", "广州"), ("上海", "上海"), ("北京", "北京"), ("浙江", "杭州"),
             ("江苏", "南京"), ("四川", "成都"), ("湖北", "武汉"), ("山东", "济南")]
OCCUPATIONS = ["自由职业", "个体经营", "全职主妇", "销售", "退休人员", "美容顾问"]
# The six categories permitted for direct selling in mainland China (COMPLIANCE.md DS10).
PRODUCTS = [
    ("MZ-001", "玉容保湿面霜 50g", "cosmetics", "199.00", 60),
    ("MZ-002", "清润氨基酸洁面乳 120ml", "cosmetics", "89.00", 45),
    ("MZ-003", "焕采修护精华液 30ml", "cosmetics", "329.00", 60),
    ("MZ-004", "水润防晒乳 SPF50", "cosmetics", "158.00", 90),
    ("QJ-001", "浓缩植萃洗衣液 2kg", "cleaning", "59.90", 30),
    ("QJ-002", "多效厨房清洁剂 500ml", "cleaning", "39.90", 45),
    ("BJ-001", "乳清蛋白粉 900g", "health_food", "268.00", 30),
    ("BJ-002", "复合维生素片 60片", "health_food", "158.00", 60),
    ("BJ-003", "深海鱼油软胶囊 100粒", "health_food", "198.00", 50),
    ("BJ-004", "益生菌固体饮料 30袋", "health_food", "128.00", 30),
    ("QC-001", "颈肩按摩仪", "health_equipment", "899.00", None),
    ("CJ-001", "不粘炒锅 32cm", "kitchenware", "399.00", None),
    ("CJ-002", "玻璃保鲜盒 6件套", "kitchenware", "129.00", None),
    ("DQ-001", "厨下净水器", "appliances", "2680.00", None),
    ("DQ-002", "净水器滤芯套装", "appliances", "380.00", 180),
    ("DQ-003", "空气净化器", "appliances", "1980.00", None),
]
CHANNELS = ["offline", "wechat", "phone", "event"]
LEAD_CHANNELS = ["referral", "event", "ads", "social"]
CERT_EXPIRING_REP = 2  # R003: a certificate about to expire
SOURCES = ["referral", "event", "wechat_group", "field", "self_media", "ads"]
TAGS = ["护肤", "保健", "家居", "价格敏感", "高价值", "宝妈", "银发", "上班族"]
NOTES = {
    "visit": ["上门拜访，介绍新品", "送货上门并讲解使用方法", "产品体验会后回访"],
    "call": ["电话回访使用感受", "提醒补货", "节日问候", "确认退换货进度"],
    "message": ["微信发送护肤小贴士", "发送会员活动通知", "生日祝福"],
    "note": ["客户偏好无香型产品", "家中有老人，关注保健品", "对价格较敏感"],
}


@dataclass
class DemoSummary:
    """What ``build_demo`` did."""

    brand: str
    created_brand: bool = False
    enabled: list[str] = field(default_factory=list)
    imports: dict[str, ImportResult] = field(default_factory=dict)
    interactions: int = 0
    tasks: int = 0
    leads: int = 0
    duplicates: int = 0
    backdated: int = 0
    segment_changes: dict[str, int] = field(default_factory=dict)
    jobs: dict[str, dict[str, int]] = field(default_factory=dict)


def _name(r: random.Random) -> str:
    return r.choice(SURNAMES) + r.choice(GIVEN)


def _write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _ensure_brand(make_ctx: Callable[[str | None], Ctx], code: str) -> bool:
    ctx = make_ctx(None)
    try:
        try:
            get_brand(ctx, code)
            return False
        except NotFound:
            create_brand(ctx, {"code": code, "name": "美悦健康（演示品牌）", "currency": "CNY",
                               "timezone": "Asia/Shanghai", "jurisdiction": "CN",
                               "locale": "zh_Hans_CN"})
            return True
    finally:
        ctx.session.close()


def generate_files(folder: Path, today: dt.date, customers: int = 300,
                   seed: int = 2026, now: dt.datetime | None = None) -> dict[str, Path]:
    """Write reps, customers, products, leads, orders and returns CSV files of a demo
    history up to ``now`` (naive local time; default: the start of ``today``): a year of
    orders, and a few placed earlier today so that "this month" is never empty."""
    r = random.Random(seed)
    now = now or dt.datetime.combine(today, dt.time())
    reps = []
    for i, (province, city) in enumerate(PROVINCES):
        joined = dt.date(2022 + i % 3, 1 + (i * 5) % 12, 1 + (i * 7) % 28)
        status = "active" if i != 7 else "suspended"
        # R003's certificate runs out in 30 days: inside the 42-day warning window
        until = today + dt.timedelta(days=30) if i == CERT_EXPIRING_REP else \
            joined.replace(year=joined.year + 5)
        reps.append([f"R{i + 1:03d}", _name(r), f"139{r.randrange(10**8):08d}",
                     dt.date(1970 + r.randrange(25), 1 + r.randrange(12), 1 + r.randrange(28)),
                     r.choice(OCCUPATIONS), province, city, status, joined.isoformat(),
                     f"ZX{joined.year}{i + 1:05d}", joined.isoformat(),
                     until.isoformat(), 150])
    files = {"reps": _write(folder / "reps.csv", [
        "rep_ref", "name", "phone", "birth_date", "occupation", "province", "territory",
        "status", "joined_on", "certificate_no", "certificate_valid_from",
        "certificate_valid_until", "capacity"], reps)}
    rows = []
    for i in range(customers):
        rep = reps[i % len(reps)]
        tags = ";".join(r.sample(TAGS, r.randrange(0, 3)))
        rows.append([f"C{i + 1:05d}", _name(r), f"13{r.randrange(10**9):09d}",
                     f"wx_{seed}_{i + 1}" if r.random() < 0.6 else "",
                     dt.date(1955 + r.randrange(45), 1 + r.randrange(12),
                             1 + r.randrange(28)).isoformat() if r.random() < 0.7 else "",
                     r.choice(SOURCES), rep[0], tags])
    files["products"] = _write(folder / "products.csv", [
        "sku", "name", "category", "list_price", "replenish_days"],
        [[sku, name, cat, price, days or ""] for sku, name, cat, price, days in PRODUCTS])
    orders, returns = [], []
    start = today - dt.timedelta(days=365)
    n = 0
    first_at: dict[int, dt.datetime] = {}
    for i in range(customers):
        rep = reps[i % len(reps)]
        # A few loyal buyers, many occasional ones, some who never bought.
        count = r.choice([0, 0, 1, 1, 2, 2, 3, 4, 6, 10])
        # Customers join over the year (a few had joined before it) and buy after joining.
        joined = start + dt.timedelta(days=r.randrange(-30, 350))
        for _k in range(count):
            n += 1
            ref = f"SO{n:06d}"
            day = max(start, joined) + dt.timedelta(
                days=r.randrange((today - max(start, joined)).days))
            at = dt.datetime.combine(day, dt.time(9 + r.randrange(11), r.randrange(60)))
            first_at[i] = min(first_at.get(i, at), at)
            recent = (today - day).days < 7
            status = "pending" if recent and r.random() < 0.5 else \
                "cancelled" if r.random() < 0.04 else "paid"
            channel = r.choice(CHANNELS)
            picked = r.sample(PRODUCTS, r.choice([1, 1, 1, 2, 2, 3]))
            lines = [(p[0], r.choice([1, 1, 1, 2, 3]), p[3]) for p in picked]
            for sku, qty, price in lines:
                orders.append([ref, f"C{i + 1:05d}", rep[0], at.isoformat(), sku, qty, price,
                               status, channel, rep[5]])
            if status == "paid" and r.random() < 0.05 and (today - day).days > 40:
                sku, qty, price = lines[0]
                requested = at + dt.timedelta(days=r.randrange(2, 25))
                refunded = requested + dt.timedelta(days=r.randrange(1, 7))
                returns.append([f"RT{len(returns) + 1:05d}", ref, sku, 1,
                                str(Decimal(price)), requested.isoformat(),
                                refunded.isoformat()])
    # Today's orders, an hour or two ago (never before midnight), from a few buyers.
    for i in sorted(first_at):
        rep = reps[i % len(reps)]
        if i % 20 != 9 or rep[7] != "active":
            continue
        n += 1
        at = max(dt.datetime.combine(today, dt.time()),
                 now - dt.timedelta(minutes=30 + r.randrange(90))).replace(microsecond=0)
        sku, _name_, _cat, price, _days = r.choice(PRODUCTS)
        orders.append([f"SO{n:06d}", f"C{i + 1:05d}", rep[0], at.isoformat(), sku, 1, price,
                       "paid", r.choice(CHANNELS), rep[5]])
    # Leads: some of the buyers came in as leads (captured 5 to 25 days before their first
    # order, contacted the next day, made customers two days after capture); they are
    # created from their lead, not imported. Others are still open, and a few were lost.
    leads = []
    converted = {i for i, at in first_at.items()  # not R008's: a suspended rep takes none
                 if i % 10 == 3 and i % len(reps) != 7
                 and at.date() >= start + dt.timedelta(days=30)}
    for i in sorted(converted):
        row = rows[i]
        captured = first_at[i] - dt.timedelta(days=5 + r.randrange(21), hours=r.randrange(6))
        leads.append([f"L{i + 1:05d}", row[0], row[1], row[2], row[6],
                      r.choice(LEAD_CHANNELS), captured.isoformat(), "converted"])
    for k in range(max(3, customers // 20)):
        state = "lost" if k % 5 == 4 else "contacted" if k % 3 else "new"
        back = 40 + r.randrange(20) if state == "lost" else r.randrange(3) if state == "new" \
            else r.randrange(20)
        captured = dt.datetime.combine(today - dt.timedelta(days=back),
                                       dt.time(9 + r.randrange(9), r.randrange(60)))
        leads.append([f"L9{k + 1:04d}", "", _name(r), f"15{r.randrange(10**9):09d}",
                      reps[k % 7][0], r.choice(LEAD_CHANNELS), captured.isoformat(), state])
    files["leads"] = _write(folder / "leads.csv", [
        "lead_ref", "customer_ref", "name", "phone", "rep_ref", "channel", "captured_at",
        "outcome"], leads)
    files["customers"] = _write(folder / "customers.csv", [
        "customer_ref", "name", "phone", "wechat_id", "birthday", "source_channel", "rep_ref",
        "tags"], [row for i, row in enumerate(rows) if i not in converted])
    files["orders"] = _write(folder / "orders.csv", [
        "order_ref", "customer_ref", "rep_ref", "ordered_at", "sku", "quantity", "unit_price",
        "status", "channel", "region"], orders)
    files["returns"] = _write(folder / "returns.csv", [
        "return_ref", "order_ref", "sku", "quantity", "amount", "requested_at", "refunded_at"],
        returns)
    return files


def _local(ctx: Ctx, text: str) -> dt.datetime:
    """A naive local ISO time of the demo files as aware UTC."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=ctx.tz).astimezone(dt.UTC)


def _as_user(ctx: Ctx, user: str) -> Ctx:
    """``ctx`` acting as ``user`` (a rep's name: the author of what the rep records)."""
    return replace(ctx, user=user)


def _leads(ctx: Ctx, path: Path) -> int:
    """The demo's leads through the lead services, each step at its own time: captured,
    handed to the rep, contacted the next day; converting ones made customers two days
    after capture (their orders, imported next, convert them); lost ones closed. Only on
    a brand without leads; returns the leads created."""
    from core.leads.assignment import move_lead
    from core.leads.services import (
        create_customer_from_lead,
        create_lead,
        log_contact,
        mark_lost,
    )

    has_any = ctx.session.scalar(select(func.count(Lead.id)).where(
        Lead.brand_id == ctx.brand_id))
    reps = dict(ctx.session.execute(select(Rep.rep_ref, Rep.name).where(
        Rep.brand_id == ctx.brand_id)).all())
    ctx.session.rollback()
    if has_any:
        return 0
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        captured = _local(ctx, row["captured_at"])
        ref, rep_ref = row["lead_ref"], row["rep_ref"]
        create_lead(ctx.at(captured), {"lead_ref": ref, "name": row["name"],
                                        "phone": row["phone"], "channel": row["channel"]},
                    assign=False)
        move_lead(ctx.at(captured + dt.timedelta(minutes=30)), ref, rep_ref,
                  "demo: handed to the rep of the area")
        rep = _as_user(ctx, reps[rep_ref])
        if row["outcome"] != "new":
            log_contact(rep.at(captured + dt.timedelta(days=1)), ref,
                        {"kind": "call", "summary": "电话了解需求，介绍产品"})
        if row["outcome"] == "converted":
            create_customer_from_lead(rep.at(captured + dt.timedelta(days=2)), ref,
                                      row["customer_ref"])
        elif row["outcome"] == "lost":
            mark_lost(rep.at(captured + dt.timedelta(days=10)), ref, "暂无购买意向")
    return len(rows)


FOLLOW_UP_ON_TIME = 0.8  # share of the demo's post-purchase follow-ups done in time


def _history(ctx: Ctx, seed: int) -> tuple[int, int]:
    """The reps' contact history (only on a brand without interactions), authored by the
    customer's rep and never before the customer existed:

    - a first follow-up after most paid orders older than two days: a task due 48 h after
      payment (the ``followup48`` rule's key, so the rule does not make it again), done
      on time for most, late for some, each with the call that did it;
    - other contacts over each customer's time with the brand, and a recent one with most
      customers who bought in the last quarter (reps keep in touch with active buyers).

    Written set-based (Core inserts, one audit entry per table); returns
    (interactions, tasks)."""
    r = random.Random(seed + 1)
    now = ctx.now()
    has_any = ctx.session.scalar(select(func.count(Interaction.id)).where(
        Interaction.brand_id == ctx.brand_id))
    if has_any:
        ctx.session.rollback()
        return 0, 0
    rep_names = dict(ctx.session.execute(select(Rep.id, Rep.name).where(
        Rep.brand_id == ctx.brand_id)).all())
    customers = ctx.session.execute(
        select(Customer.id, Customer.rep_id, Customer.created_at)
        .where(Customer.brand_id == ctx.brand_id, Customer.merged_into_id.is_(None))
        .order_by(Customer.id)).all()
    orders = ctx.session.execute(
        select(Order.id, Order.customer_id, Order.rep_id, Order.paid_at)
        .where(Order.brand_id == ctx.brand_id, Order.status == OrderStatus.PAID,
               Order.paid_at.is_not(None))
        .order_by(Order.id)).all()
    ctx.session.rollback()
    interactions: list[dict[str, object]] = []
    tasks: list[dict[str, object]] = []

    def contact(cid: int, rep_id: int | None, at: dt.datetime, kind: str, summary: str
                ) -> None:
        interactions.append({"brand_id": ctx.brand_id, "customer_id": cid, "rep_id": rep_id,
                             "kind": kind, "occurred_at": at.replace(microsecond=0),
                             "summary": summary,
                             "created_by": rep_names.get(rep_id, "") or ctx.user})

    last_paid: dict[int, dt.datetime] = {}
    with use_locale(ctx.locale):
        title = _("First follow-up after the purchase")
        for oid, cid, rep_id, paid_at in orders:
            last_paid[cid] = max(last_paid.get(cid, paid_at), paid_at)
            if paid_at > now - dt.timedelta(days=2) or r.random() < 0.25:
                continue  # recent ones are the task rule's; some orders get no follow-up
            due = paid_at + dt.timedelta(hours=48)
            if r.random() < FOLLOW_UP_ON_TIME:
                done = paid_at + dt.timedelta(hours=2 + r.randrange(45))
            else:
                done = due + dt.timedelta(hours=1 + r.randrange(120))
            row = task_row(ctx, rule_key=f"followup48:{oid}", kind="followup", title=title,
                           due_at=due, customer_id=cid, rep_id=rep_id)
            if done <= now:
                row.update(status=TaskStatus.DONE, done_at=done.replace(microsecond=0))
                contact(cid, rep_id, done, "call", r.choice(NOTES["call"][:2]))
            row["created_at"] = paid_at
            tasks.append(row)
    for cid, rep_id, created in customers:
        since = max(created, now - dt.timedelta(days=365))
        span = int((now - since).total_seconds())
        for _k in range(r.choice([0, 1, 1, 2])):
            kind = r.choice(list(NOTES))
            contact(cid, rep_id, since + dt.timedelta(seconds=r.randrange(max(span, 1))),
                    kind, r.choice(NOTES[kind]))
        recent = last_paid.get(cid)
        if recent is not None and recent > now - dt.timedelta(days=90) and r.random() < 0.85:
            at = max(since, now - dt.timedelta(days=r.randrange(1, 26), hours=r.randrange(10)))
            kind = r.choice(["call", "message", "visit"])
            contact(cid, rep_id, at, kind, r.choice(NOTES[kind]))
    with ctx.write() as session:
        made_tasks = insert_tasks(ctx, tasks)
        if interactions:
            session.execute(insert(Interaction).execution_options(directcrm_audit=False),
                            interactions)
            audit.record_bulk(ctx, "create", record_type="interactions",
                              count=len(interactions), details={"demo": "contact history"})
    return len(interactions), made_tasks


def _reactivation(ctx: Ctx, limit: int = 8) -> int:
    """A reactivation call for the churned customers worth most (by lifetime revenue), due
    over the coming week; never for a customer who is not churned. Idempotent by key."""
    now = ctx.now()
    revenue = func.coalesce(func.sum(Order.total_amount), 0)
    rows = ctx.session.execute(
        select(Customer.id, Customer.rep_id)
        .join(Order, Order.customer_id == Customer.id)
        .where(Customer.brand_id == ctx.brand_id,
               Customer.lifecycle_stage == LifecycleStage.CHURNED,
               Customer.merged_into_id.is_(None), Order.status == OrderStatus.PAID)
        .group_by(Customer.id, Customer.rep_id)
        .order_by(revenue.desc(), Customer.id).limit(limit)).all()
    ctx.session.rollback()
    with ctx.write(), use_locale(ctx.locale):
        title = _("Win back a churned customer: call and ask what changed")
        return insert_tasks(ctx, [
            task_row(ctx, rule_key=f"demo:reactivation:{cid}", kind="reactivation",
                     title=title, due_at=now + dt.timedelta(days=1 + k % 7),
                     customer_id=cid, rep_id=rep_id)
            for k, (cid, rep_id) in enumerate(rows)])


def _backdate_customers(ctx: Ctx) -> int:
    """Give the imported customers a realistic ``created_at`` (the import stamps "now"):
    a buyer joined 1 to 45 days before their first order, a non-buyer some day in the
    past year. Only customers untouched since their import (created_at = updated_at),
    so a second run changes nothing. One
    set-based UPDATE and one audit entry; returns how many customers changed."""
    now = ctx.now()
    first_order = (select(func.min(Order.ordered_at)).where(Order.customer_id == Customer.id)
                   .correlate(Customer).scalar_subquery())
    rows = ctx.session.execute(select(Customer.id, Customer.customer_ref, Customer.created_at,
                                      first_order).where(Customer.brand_id == ctx.brand_id,
                                                         Customer.customer_ref.like("C%"),
                                                         # not those made from a lead
                                                         ~exists().where(
                                                             Lead.customer_id == Customer.id),
                                                         # untouched since the import
                                                         Customer.created_at
                                                         == Customer.updated_at))
    changes = []
    for cid, ref, created, first in rows:
        k = int(ref[1:]) if ref[1:].isdigit() else cid
        if first is not None:
            wanted = first - dt.timedelta(days=1 + (k * 17) % 45, hours=k % 9)
        else:
            wanted = now - dt.timedelta(days=(k * 53) % 365, hours=k % 9)
        wanted = min(wanted, now).replace(microsecond=0)
        if created != wanted:
            changes.append({"cid": cid, "created": wanted})
    ctx.session.rollback()
    if changes:
        with ctx.write() as session:
            table = Customer.__table__
            session.execute(update(table).where(table.c.id == bindparam("cid"))
                            .values(created_at=bindparam("created")), changes)
            from core import audit

            audit.record_bulk(ctx, "update", record_type="customers", count=len(changes),
                              details={"demo": "created_at before the first order"})
    return len(changes)


def _duplicates(ctx: Ctx, path: Path, count: int = 3) -> int:
    """A few customers entered twice by another rep (same phone, the name written
    differently), for the duplicates screen to merge. Only when none exist yet."""
    from core.services.customers import create_customer

    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    made = 0
    for k in range(count):
        ref = f"D{k + 1:04d}"
        if not rows or ctx.session.scalar(select(func.count(Customer.id)).where(
                Customer.brand_id == ctx.brand_id, Customer.customer_ref == ref)):
            ctx.session.rollback()
            continue
        ctx.session.rollback()
        row = rows[(k * 37 + 11) % len(rows)]
        other_rep = f"R{(int(row['rep_ref'][1:]) % 7) + 1:03d}"
        create_customer(ctx.at(ctx.now() - dt.timedelta(days=3 + 9 * k)),
                        {"customer_ref": ref, "name": row["name"][0] + "女士" if k % 2 else
                         row["name"], "phone": row["phone"], "source_channel": "event",
                         "rep_ref": other_rep}, allow_duplicate=True)
        made += 1
    return made


#: Compliance findings the demo leaves on purpose, so the compliance screen and report
#: have something to show; every other check passes (``tests/core/test_demo.py``).
DEMO_FINDINGS = {
    "DS11": N_("this month's filing pack is not generated yet: generate it on the "
               "Compliance screen"),
    "DS12": N_("the deposit held is not recorded: record it with "
               "\"directcrm compliance set-deposit\""),
    "S1": N_("one complaint is still open past its resolution target"),
}

#: The demo's churn-risk settings: a buyer is at risk after 120 days without an order (a
#: quarter is a normal gap for the demo's products) or 60 without any contact, so "at
#: risk" is a short list to work through rather than most buyers.
DEMO_SETTINGS = {"churn_risk.no_order_days": 120, "churn_risk.no_contact_days": 60}


def _deposits(ctx: Ctx, count: int = 3) -> int:
    """A deposit of about 30% (whole yuan, cash or WeChat Pay) on the brand's first
    ``count`` pending orders, paid when they were ordered: the orders list then shows
    partly paid orders with their balance (#18). An order that already has a payment is
    left alone, so running the demo again adds nothing."""
    from core.services.orders import record_payment

    orders = list(ctx.session.scalars(
        select(Order).where(Order.brand_id == ctx.brand_id,
                            Order.status == OrderStatus.PENDING)
        .order_by(Order.order_ref).limit(count)))
    done = 0
    for i, order in enumerate(orders):
        if order.payments:
            continue
        amount = max(Decimal(1), (order.total_amount * Decimal("0.3")).quantize(Decimal(1)))
        record_payment(ctx, order.order_ref, {
            "payments": [{"method": ("cash", "wechat_pay")[i % 2], "amount": str(amount)}],
            "paid_at": order.ordered_at.isoformat()})
        done += 1
    return done


def build_demo(make_ctx: Callable[[str | None], Ctx], *, code: str = DEMO_BRAND,
               customers: int = 300, seed: int = 2026, folder: Path | None = None
               ) -> DemoSummary:
    """Create (or complete) the demo brand: modules, master data, leads, a year of orders
    with returns, the reps' contact history, follow-ups, then what the nightly jobs do
    (segments, churn, task rules, the lead pool). Safe to run again."""
    from core.scheduler import run_jobs
    from core.services.settings import set_settings

    summary = DemoSummary(brand=code, created_brand=_ensure_brand(make_ctx, code))
    ctx = make_ctx(code)
    try:
        summary.enabled = enable_modules(ctx, [m for m in DEMO_MODULES
                                               if m in ctx.registry.modules])
        if summary.created_brand:
            set_settings(ctx, DEMO_SETTINGS)
        with tempfile.TemporaryDirectory(prefix="directcrm-demo-") as tmp:
            files = generate_files(Path(folder or tmp), ctx.local_today(), customers, seed,
                                   ctx.now().astimezone(ctx.tz).replace(tzinfo=None))
            for kind in ("reps", "customers", "products", "leads", "orders", "returns"):
                if kind == "leads":
                    summary.leads = _leads(ctx, files["leads"])
                    continue
                result = import_csv(ctx, kind, files[kind])
                if not result.committed:
                    first = result.errors[0]
                    raise BadFile(f"demo {kind} line {first.line}: {first.column}: "
                                  f"{first.reason}")
                summary.imports[kind] = result
            summary.backdated = _backdate_customers(ctx)
            summary.interactions, summary.tasks = _history(ctx, seed)
            summary.duplicates = _duplicates(ctx, files["customers"])
            _deposits(ctx)
        refs = list(ctx.session.scalars(
            select(Customer.customer_ref).where(Customer.brand_id == ctx.brand_id,
                                                Customer.merged_into_id.is_(None))
            .order_by(Customer.created_at, Customer.id)))
        ctx.session.rollback()
        ctx.hooks.crm_demo_data(ctx=ctx, customer_refs=refs)
        # The modules' part (consents, referrals, tickets, rewards...), then what the
        # nightly jobs do, so the dashboard has today's segments, churned
        # customers, the rule tasks and the lead pool at once.
        for run in run_jobs(ctx):
            if run.error:
                raise RuntimeError(f"demo: job {run.module}.{run.job}: {run.error}")
            summary.jobs[f"{run.module}.{run.job}"] = dict(run.counts)
            if run.job == "segments":
                summary.segment_changes = dict(run.counts)
            if run.job == "task_rules":
                summary.tasks += sum(run.counts.values())
        summary.tasks += _reactivation(ctx)
    finally:
        ctx.session.close()
    return summary
