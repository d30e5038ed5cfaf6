"""Pricing engine benchmark: `make bench-pricing` (or `python bench/pricing.py`).

Builds a throwaway database `bench_pricing` on the configured PostgreSQL server (the
embedded one unless DATABASE_URL says otherwise), fills it with 10,000 products priced by
a default list with tiers, a group rule list (-10 %), a company list and a contract, and
prints the median time and query count of quotes of 5, 50 and 500 lines and of the whole
catalog for one company. The database is dropped at the end; the dev data is never touched.
"""

import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_databases,
    teardown_databases,
)

PRODUCTS = 10_000
CONTRACT_PRODUCTS = 200
COMPANY_LIST_PRODUCTS = 1_000


def build():
    """The bench catalog and one EUR company in group Wholesale; returns (company, products)."""
    from portal.accounts.models import Company, CustomerGroup
    from portal.catalog.models import Category, Product
    from pricing.demo import generated_tiers
    from pricing.models import (
        CompanyPriceList,
        Contract,
        ContractPrice,
        GroupPriceList,
        PriceList,
        PriceListEntry,
    )

    category = Category.objects.create(name="Bench", slug="bench")
    products = Product.objects.bulk_create(
        (
            Product(sku=f"BEN-{n:05d}", name=f"Bench product {n}", category=category)
            for n in range(PRODUCTS)
        ),
        batch_size=2000,
    )
    list_eur = PriceList.objects.create(name="List EUR", currency="EUR", is_default=True)
    PriceListEntry.objects.bulk_create(
        (
            PriceListEntry(price_list=list_eur, product=p, min_qty=qty, unit_price=price)
            for p in products
            for qty, price in generated_tiers(p.sku)[0]
        ),
        batch_size=5000,
    )
    wholesale = PriceList.objects.create(
        name="Wholesale EUR", currency="EUR", parent=list_eur, percent=Decimal("-10")
    )
    group = CustomerGroup.objects.create(name="Wholesale")
    GroupPriceList.objects.create(group=group, price_list=wholesale, priority=1)
    company = Company.objects.create(
        code="bench", legal_name="Bench GmbH", currency="EUR", customer_group=group
    )
    own = PriceList.objects.create(name="Bench special", currency="EUR")
    PriceListEntry.objects.bulk_create(
        PriceListEntry(price_list=own, product=p, min_qty=1, unit_price=Decimal("7.77"))
        for p in products[::10][:COMPANY_LIST_PRODUCTS]
    )
    CompanyPriceList.objects.create(company=company, price_list=own, priority=1)
    contract = Contract.objects.create(code="BENCH-1", company=company, currency="EUR")
    ContractPrice.objects.bulk_create(
        ContractPrice(contract=contract, product=p, min_qty=qty, unit_price=Decimal(price))
        for p in products[::50][:CONTRACT_PRODUCTS]
        for qty, price in ((1, "5.00"), (20, "4.50"))
    )
    return company, products


def measure(label: str, company, lines, runs: int, *, explain: bool = False) -> None:
    from pricing.engine import quote

    def once():
        q = quote(company=company, lines=lines)
        if explain:
            for line in q.lines:
                _ = line.explanation, line.next_tier
        return q

    once()  # warm up
    with CaptureQueriesContext(connection) as queries:
        once()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        once()
        times.append((time.perf_counter() - start) * 1000)
    print(
        f"{label:<44} {statistics.median(times):9.1f} ms  {len(queries):3d} queries"
        f"  (median of {runs})"
    )


def main() -> None:
    connection.settings_dict["TEST"]["NAME"] = "bench_pricing"
    config = setup_databases(verbosity=0, interactive=False, keepdb=False)
    try:
        from pricing.models import CompanyPricing, Strategy

        started = time.perf_counter()
        company, products = build()
        print(
            f"bench data: {len(products):,} products in {time.perf_counter() - started:.1f} s "
            f"(PostgreSQL {connection.pg_version // 10000})"
        )
        for n, runs in ((5, 50), (50, 30), (500, 15)):
            lines = [(products[i * 17 % PRODUCTS], 1 + i % 60) for i in range(n)]
            measure(f"quote, {n} lines", company, lines, runs)
            measure(
                f"quote, {n} lines, with explanations + hints", company, lines, runs, explain=True
            )
        catalog = [(p, 1) for p in products]
        measure(f"whole catalog, {PRODUCTS:,} products", company, catalog, 7)
        CompanyPricing.objects.create(company=company, strategy=Strategy.LOWEST)
        measure(f"whole catalog, {PRODUCTS:,} products, lowest", company, catalog, 7)
    finally:
        teardown_databases(config, verbosity=0)


if __name__ == "__main__":
    main()
