"""A realistic, deterministic data set for the benchmarks, generated as streaming CSV.

``DataSpec(customers=100_000, lines=1_000_000)`` describes a brand with two years of order
history: reps, customers with Chinese names and phone numbers, a catalogue, and order
lines in the ``directcrm import orders`` format (one row per order line, rows sharing an
``order_ref`` form one order). The same spec and seed always give byte-identical files;
rows are written as they are generated, so memory stays flat whatever the size.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋"
            "蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段"
            "雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉梅文辉建国红燕鹏飞"
         "晓婷雪琳佳怡子涵欣然浩宇思远梓萱一诺雨桐俊杰志强海燕春梅晨曦")
PROVINCES = ("广东", "浙江", "江苏", "山东", "四川", "河南", "湖北", "湖南", "福建", "上海",
             "北京", "河北", "安徽", "辽宁", "陕西")
CHANNELS = ("rep_visit", "wechat", "event", "referral", "app")
SOURCES = ("referral", "event", "wechat_group", "field", "ad", "self_media")
# (category code, display name, replenishment days): the six categories permitted for
# direct selling in mainland China (compliance rule DS10).
CATEGORIES = (("cosmetics", "护肤", 30), ("health_food", "保健食品", 60),
              ("cleaning", "个人护理", 45), ("kitchenware", "厨具", 180),
              ("appliances", "家电", 365), ("health_equipment", "保健器材", 365))
OCCUPATIONS = ("self_employed", "homemaker", "retired", "sales", "farmer", "office_worker")

ORDER_HEADER = ("order_ref", "customer_ref", "rep_ref", "ordered_at", "sku", "quantity",
                "unit_price", "status", "channel", "region")
CUSTOMER_HEADER = ("customer_ref", "name", "phone", "email", "birthday", "source_channel",
                   "rep_ref")
REP_HEADER = ("rep_ref", "name", "phone", "birth_date", "occupation", "province", "status",
              "joined_on", "certificate_no", "certificate_valid_from", "certificate_valid_until")
PRODUCT_HEADER = ("sku", "name", "category", "list_price", "replenish_days")


@dataclass(frozen=True)
class DataSpec:
    """The size and shape of a generated brand."""

    customers: int
    lines: int
    seed: int = 20260301
    first_day: dt.date = dt.date(2024, 3, 1)
    days: int = 730  # two years
    products: int = 200
    customers_per_rep: int = 200
    # 5: orders of 1 to 5 lines (about 2.44); 1: every order has one line. Left out of
    # repr so the cache key of the usual files does not change.
    max_lines_per_order: int = field(default=5, repr=False)

    @property
    def reps(self) -> int:
        return max(3, self.customers // self.customers_per_rep)

    @property
    def key(self) -> str:
        """A short name for cached files of this spec."""
        raw = repr(self).encode()
        shape = "" if self.max_lines_per_order == 5 else f"-m{self.max_lines_per_order}"
        return (f"c{self.customers}-l{self.lines}{shape}-"
                f"{hashlib.sha1(raw).hexdigest()[:8]}")


def chinese_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def rep_ref(i: int) -> str:
    return f"R{i:06d}"


def customer_ref(i: int) -> str:
    return f"C{i:07d}"


def sku(i: int) -> str:
    return f"SKU{i:04d}"


def reps(spec: DataSpec) -> Iterator[dict[str, str]]:
    """Active, certified reps."""
    rng = random.Random(spec.seed + 1)
    for i in range(spec.reps):
        joined = spec.first_day - dt.timedelta(days=rng.randrange(30, 2000))
        born = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(0, 12000))
        yield {"rep_ref": rep_ref(i), "name": chinese_name(rng),
               "phone": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
               "birth_date": born.isoformat(), "occupation": rng.choice(OCCUPATIONS),
               "province": rng.choice(PROVINCES), "status": "active",
               "joined_on": joined.isoformat(), "certificate_no": f"ZX{i:08d}",
               "certificate_valid_from": joined.isoformat(),
               "certificate_valid_until": (spec.first_day + dt.timedelta(days=1500)).isoformat()}


def products(spec: DataSpec) -> Iterator[dict[str, str]]:
    """The catalogue; prices from 29 to 1,299 yuan."""
    rng = random.Random(spec.seed + 2)
    for i in range(spec.products):
        category, label, cycle = CATEGORIES[i % len(CATEGORIES)]
        price = Decimal(rng.choice((29, 49, 69, 99, 129, 199, 299, 399, 599, 899, 1299)))
        yield {"sku": sku(i), "name": f"{label}{i:03d}", "category": category,
               "list_price": f"{price:.2f}", "replenish_days": str(cycle)}


def product_prices(spec: DataSpec) -> list[Decimal]:
    return [Decimal(p["list_price"]) for p in products(spec)]


def customer_rep(spec: DataSpec, i: int) -> int:
    """The owning rep of customer ``i`` (contiguous blocks, like real territories)."""
    return min(i // spec.customers_per_rep, spec.reps - 1)


def customers(spec: DataSpec) -> Iterator[dict[str, str]]:
    """Customers, each owned by a rep; phone numbers are unique (no duplicates to merge)."""
    rng = random.Random(spec.seed + 3)
    for i in range(spec.customers):
        birthday = dt.date(1955, 1, 1) + dt.timedelta(days=rng.randrange(0, 17000))
        yield {"customer_ref": customer_ref(i), "name": chinese_name(rng),
               # 139 + 8 digits from i: unique per customer, deterministic.
               "phone": f"139{(i * 7919) % 10**8:08d}",
               "email": f"c{i}@example.cn" if rng.random() < 0.3 else "",
               "birthday": birthday.isoformat(), "source_channel": rng.choice(SOURCES),
               "rep_ref": rep_ref(customer_rep(spec, i))}


def order_lines(spec: DataSpec) -> Iterator[dict[str, str]]:
    """Exactly ``spec.lines`` order lines in time order over ``spec.days`` days.

    Orders have 1 to 5 lines (about 2.44 on average), distinct SKUs per order. Buyers are
    skewed (the first fifth of customers places about 45% of orders) and about 10% of
    orders go through another rep than the owner; 2% are cancelled; the region is the
    rep's province; 2% of lines are sold under the list price.
    """
    rng = random.Random(spec.seed + 4)
    prices = product_prices(spec)
    provinces = [r["province"] for r in reps(spec)]
    # 22/9 lines per order on average (one per order when max_lines_per_order is 1)
    est_orders = max(1, spec.lines * 9 // 22 if spec.max_lines_per_order > 1 else spec.lines)
    span = spec.days * 86400
    start = dt.datetime.combine(spec.first_day, dt.time(8, 0))
    written = 0
    n = 0
    while written < spec.lines:
        c = int(spec.customers * rng.random() ** 2)
        r = customer_rep(spec, c) if rng.random() < 0.9 else rng.randrange(spec.reps)
        at = start + dt.timedelta(seconds=min(span - 1, n * span // est_orders
                                              + rng.randrange(0, 3600)))
        status = "cancelled" if rng.random() < 0.02 else "paid"
        k = min(rng.choice((1, 1, 1, 2, 2, 3, 3, 4, 5)), spec.lines - written,
                spec.max_lines_per_order)
        channel = rng.choice(CHANNELS)
        region = provinces[r]  # the rep's own province (compliance rule DS4)
        for p in rng.sample(range(spec.products), k):
            # 2% of lines sold 10% under the list price (compliance rule DS6 warns).
            price = prices[p] if rng.random() < 0.98 else (prices[p] * Decimal("0.9")).quantize(
                Decimal("0.01"))
            yield {"order_ref": f"O{n:08d}", "customer_ref": customer_ref(c),
                   "rep_ref": rep_ref(r), "ordered_at": at.strftime("%Y-%m-%d %H:%M:%S"),
                   "sku": sku(p), "quantity": str(rng.choice((1, 1, 1, 2, 2, 3))),
                   "unit_price": f"{price:.2f}", "status": status, "channel": channel,
                   "region": region}
        written += k
        n += 1


def write_csv(path: Path, header: tuple[str, ...], rows: Iterator[dict[str, str]]) -> Path:
    """Stream rows to a UTF-8 CSV file (written to a temporary name, then renamed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)
    return path


def generate(spec: DataSpec, folder: Path) -> dict[str, Path]:
    """Write (or reuse) the four CSV files of ``spec`` under ``folder/<spec.key>/``."""
    base = folder / spec.key
    files = {"reps": (REP_HEADER, reps), "customers": (CUSTOMER_HEADER, customers),
             "products": (PRODUCT_HEADER, products), "orders": (ORDER_HEADER, order_lines)}
    out = {}
    for name, (header, gen) in files.items():
        path = base / f"{name}.csv"
        if not path.exists():
            write_csv(path, header, gen(spec))
        out[name] = path
    return out
