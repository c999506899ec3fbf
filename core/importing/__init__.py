"""Bulk CSV import of reps, customers, products, orders and returns.

Usage: ``import_csv(ctx, "orders", path, rejects_path=None)``; see ``runner`` for the two
passes and README.md for every file's columns and the rules.
"""

from __future__ import annotations

from core.importing.base import ImportResult, Kind, RowError
from core.importing.customers import CustomersKind
from core.importing.orders import OrdersKind
from core.importing.products import ProductsKind
from core.importing.reader import BadFile
from core.importing.reps import RepsKind
from core.importing.returns import ReturnsKind
from core.importing.runner import NoProgress, Progress, import_csv

# Listed in the order a brand's history is usually loaded.
KINDS: dict[str, type[Kind]] = {k.name: k for k in (
    RepsKind, CustomersKind, ProductsKind, OrdersKind, ReturnsKind)}

__all__ = ["KINDS", "BadFile", "ImportResult", "Kind", "NoProgress", "Progress", "RowError",
           "import_csv"]
