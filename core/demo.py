"""A demo brand with a year of realistic history, built through the import and services.

``build_demo`` is idempotent: the generated files use stable references (same seed, same
refs), so a second run skips what exists; interactions are added only to a brand that has
none, and generated tasks carry rule keys.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import bindparam, func, select, update

from core.context import Ctx
from core.errors import NotFound
from core.importing import ImportResult, import_csv
from core.importing.reader import BadFile
from core.models import Customer, Interaction, Order
from core.segmentation.services import recompute_segments
from core.services.activities import create_interaction, create_task
from core.services.brands import create_brand, get_brand
from core.services.modules import enable_modules

DEMO_BRAND = "DEMO"
DEMO_MODULES = ("loyalty", "compliance")

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
    backdated: int = 0
    segment_changes: dict[str, int] = field(default_factory=dict)


def _name(r: random.Random) -> str:
    return r.choice(SURNAMES) + r.choice(GIVEN)


def _write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    import csv

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
                   seed: int = 2026) -> dict[str, Path]:
    """Write reps, customers, products, orders and returns CSV files of a demo history."""
    r = random.Random(seed)
    reps = []
    for i, (province, city) in enumerate(PROVINCES):
        joined = dt.date(2022 + i % 3, 1 + (i * 5) % 12, 1 + (i * 7) % 28)
        status = "active" if i != 7 else "suspended"
        reps.append([f"R{i + 1:03d}", _name(r), f"139{r.randrange(10**8):08d}",
                     dt.date(1970 + r.randrange(25), 1 + r.randrange(12), 1 + r.randrange(28)),
                     r.choice(OCCUPATIONS), province, city, status, joined.isoformat(),
                     f"ZX{joined.year}{i + 1:05d}", joined.isoformat(),
                     joined.replace(year=joined.year + 5).isoformat(), 150])
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
    files["customers"] = _write(folder / "customers.csv", [
        "customer_ref", "name", "phone", "wechat_id", "birthday", "source_channel", "rep_ref",
        "tags"], rows)
    files["products"] = _write(folder / "products.csv", [
        "sku", "name", "category", "list_price", "replenish_days"],
        [[sku, name, cat, price, days or ""] for sku, name, cat, price, days in PRODUCTS])
    orders, returns = [], []
    start = today - dt.timedelta(days=365)
    n = 0
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
    files["orders"] = _write(folder / "orders.csv", [
        "order_ref", "customer_ref", "rep_ref", "ordered_at", "sku", "quantity", "unit_price",
        "status", "channel", "region"], orders)
    files["returns"] = _write(folder / "returns.csv", [
        "return_ref", "order_ref", "sku", "quantity", "amount", "requested_at", "refunded_at"],
        returns)
    return files


def _activities(ctx: Ctx, customers: int, seed: int) -> tuple[int, int]:
    """Contact history and follow-up tasks (interactions only on a brand without any)."""
    r = random.Random(seed + 1)
    now = ctx.now()
    made_interactions = 0
    has_any = ctx.session.scalar(select(func.count(Interaction.id)).where(
        Interaction.brand_id == ctx.brand_id))
    ctx.session.rollback()
    if not has_any:
        for i in range(customers):
            for _k in range(r.choice([0, 1, 1, 2, 3])):
                kind = r.choice(list(NOTES))
                at = now - dt.timedelta(days=r.randrange(1, 365), hours=r.randrange(10))
                create_interaction(ctx, {"customer_ref": f"C{i + 1:05d}", "kind": kind,
                                         "occurred_at": at.isoformat(),
                                         "summary": r.choice(NOTES[kind])})
                made_interactions += 1
    made_tasks = 0
    titles = ["首次购买后48小时回访", "生日关怀", "补货提醒", "沉默客户唤醒", "A类客户月度联系"]
    for i in range(0, customers, 4):
        title = titles[i % len(titles)]
        due = now + dt.timedelta(days=r.randrange(-3, 10), hours=r.randrange(8))
        create_task(ctx, {"title": title, "customer_ref": f"C{i + 1:05d}",
                          "due_at": due.isoformat(), "kind": "follow_up"},
                    rule_key=f"demo:{i + 1}")
        made_tasks += 1
    return made_interactions, made_tasks


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


def build_demo(make_ctx: Callable[[str | None], Ctx], *, code: str = DEMO_BRAND,
               customers: int = 300, seed: int = 2026, folder: Path | None = None
               ) -> DemoSummary:
    """Create (or complete) the demo brand: modules, master data, a year of orders with
    returns, interactions and tasks. Safe to run again."""
    summary = DemoSummary(brand=code, created_brand=_ensure_brand(make_ctx, code))
    ctx = make_ctx(code)
    try:
        summary.enabled = enable_modules(ctx, [m for m in DEMO_MODULES
                                               if m in ctx.registry.modules])
        with tempfile.TemporaryDirectory(prefix="directcrm-demo-") as tmp:
            files = generate_files(Path(folder or tmp), ctx.local_today(), customers, seed)
            for kind in ("reps", "customers", "products", "orders", "returns"):
                result = import_csv(ctx, kind, files[kind])
                if not result.committed:
                    first = result.errors[0]
                    raise BadFile(f"demo {kind} line {first.line}: {first.column}: "
                                  f"{first.reason}")
                summary.imports[kind] = result
        summary.interactions, summary.tasks = _activities(ctx, customers, seed)
        summary.backdated = _backdate_customers(ctx)
        # What the nightly job does, so the dashboard's segment chart has data at once.
        summary.segment_changes = recompute_segments(ctx)
    finally:
        ctx.session.close()
    return summary
