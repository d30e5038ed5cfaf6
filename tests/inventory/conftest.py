"""Stock in the demo warehouses, moved through the real services."""

import pytest

from inventory.models import StockLevel, Warehouse
from inventory.services import stock_adjust
from portal.catalog.models import Product
from tests.ordering import place, user  # noqa: F401  (the inventory tests import them here)


def level(code: str, sku: str) -> StockLevel:
    return StockLevel.objects.get(warehouse__code=code, product__sku=sku)


def set_on_hand(code: str, sku: str, units: int, *, reason: str = "Counted") -> StockLevel:
    """Bring the units on hand of ``sku`` in warehouse ``code`` to ``units`` by an adjustment."""
    current = level(code, sku)
    if current.on_hand != units:
        stock_adjust(
            product=Product.objects.get(sku=sku),
            warehouse=Warehouse.objects.get(code=code),
            change=units - current.on_hand,
            reason=reason,
            by=user("warehouse.north" if code == "NORTH" else "warehouse.south"),
        )
    return level(code, sku)


@pytest.fixture
def north(db):
    return Warehouse.objects.get(code="NORTH")
