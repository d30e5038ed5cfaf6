"""Small factories for pricing tests, on top of the demo data (SPEC section 9)."""

import itertools
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from portal.accounts.models import Company, CustomerGroup
from portal.catalog.models import Category, Product
from pricing.models import CompanyPriceList, PriceList, PriceListEntry

_serial = itertools.count(1)


@pytest.fixture
def catalog(demo) -> dict[str, Product]:
    """The demo products by SKU."""
    return {product.sku: product for product in Product.objects.select_related("category")}


@pytest.fixture
def acme(demo) -> Company:
    return Company.objects.get(code="acme")


@pytest.fixture
def borealis(demo) -> Company:
    return Company.objects.get(code="borealis")


@pytest.fixture
def operator(demo):
    return get_user_model().objects.get(username="admin")


def make_product(sku: str | None = None, **fields) -> Product:
    category = Category.objects.order_by("pk").first()
    sku = sku or f"TEST-{next(_serial):05d}"
    return Product.objects.create(sku=sku, name=f"Test product {sku}", category=category, **fields)


def make_company(*, currency: str = "EUR", group: CustomerGroup | None = None) -> Company:
    n = next(_serial)
    return Company.objects.create(
        code=f"test-{n}", legal_name=f"Test company {n}", currency=currency, customer_group=group
    )


def make_list(name: str | None = None, *, currency: str = "EUR", **fields) -> PriceList:
    return PriceList.objects.create(
        name=name or f"Test list {next(_serial)}", currency=currency, **fields
    )


def add_prices(price_list: PriceList, product: Product, *tiers: tuple[int, str]) -> None:
    PriceListEntry.objects.bulk_create(
        PriceListEntry(
            price_list=price_list, product=product, min_qty=qty, unit_price=Decimal(price)
        )
        for qty, price in tiers
    )


def assign(company: Company, price_list: PriceList, priority: int = 1) -> CompanyPriceList:
    return CompanyPriceList.objects.create(
        company=company, price_list=price_list, priority=priority
    )
