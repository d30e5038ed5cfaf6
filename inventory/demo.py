"""Demo stock: every product in NORTH and SOUTH, most in stock, some low, some out.

Quantities are derived from each SKU and warehouse (a hash, as in ``pricing.demo``), so
every machine gets the same stock. Products that already have a level in a warehouse are
left as they are, so running the seed again changes nothing.
"""

import hashlib

from inventory.models import Warehouse
from inventory.services import stock_receive_many
from portal.catalog.models import Product

OPENING_REASON = "Opening stock"

# sku -> warehouse -> (on hand, reorder point). Enough for a busy demo month of Acme and
# Borealis orders; the generated catalog has the thin and empty shelves.
NAMED_STOCK = {
    "BOLT-M8-50": {"NORTH": (6000, 400), "SOUTH": (3000, 200)},
    "NUT-M8": {"NORTH": (5000, 400), "SOUTH": (2500, 200)},
    "DRILL-18V": {"NORTH": (1500, 60), "SOUTH": (600, 40)},
    "GLOVE-L": {"NORTH": (2400, 240), "SOUTH": (1200, 120)},
}


def generated_stock(sku: str, warehouse: str) -> tuple[int, int]:
    """(on hand, reorder point): one in ten out of stock, two in ten low, the rest in stock."""
    digest = int.from_bytes(hashlib.sha256(f"{warehouse}:{sku}".encode()).digest()[:8], "big")
    reorder_point = 10 + digest % 41
    shape = (digest >> 16) % 10
    if shape == 0:
        return 0, reorder_point
    if shape <= 2:
        return 1 + (digest >> 24) % reorder_point, reorder_point
    return reorder_point + 20 + (digest >> 24) % 900, reorder_point


def seed_stock() -> None:
    products = list(Product.objects.values_list("pk", "sku"))
    for warehouse in Warehouse.objects.filter(code__in=("NORTH", "SOUTH")):
        items = []
        for pk, sku in products:
            named = NAMED_STOCK.get(sku, {}).get(warehouse.code)
            on_hand, reorder_point = named or generated_stock(sku, warehouse.code)
            items.append((pk, on_hand, reorder_point))
        stock_receive_many(warehouse=warehouse, items=items, reason=OPENING_REASON, by=None)
