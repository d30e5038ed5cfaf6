"""Demo price lists, contracts and group assignments (SPEC section 9).

Idempotent and bulk: entries are upserted on (list, product, min_qty), so running it again
converges on the same prices. Seeding writes no audit rows: it lays down the baseline,
it is not somebody changing a price.
"""

import hashlib
from decimal import Decimal

from django.db import transaction

from portal.accounts.models import Company, CustomerGroup
from portal.catalog.models import Product
from pricing.models import (
    Contract,
    ContractPrice,
    GroupPriceList,
    PriceList,
    PriceListEntry,
)

CENT = Decimal("0.01")
USD_PER_EUR = Decimal("1.10")

# sku -> (EUR tiers, USD tiers) as (min_qty, unit price)
NAMED_PRICES: dict[str, tuple[list[tuple[int, str]], list[tuple[int, str]]]] = {
    "BOLT-M8-50": ([(1, "12.50"), (10, "11.90"), (50, "11.20")], [(1, "13.90")]),
    "NUT-M8": ([(1, "4.80")], [(1, "5.30")]),
    "DRILL-18V": ([(1, "149.00")], [(1, "165.00")]),
    "GLOVE-L": ([(1, "3.20")], [(1, "3.50")]),
}
CONTRACT_CODE = "ACME-2026"
CONTRACT_PRICES = {"DRILL-18V": [(1, "129.00"), (5, "119.00")]}


def generated_tiers(sku: str) -> tuple[list[tuple[int, Decimal]], list[tuple[int, Decimal]]]:
    """Deterministic EUR and USD tiers for a generated product, derived from its SKU.

    A hash rather than a shared random stream keeps each product's price independent of
    how many products there are and in which order they are seeded.
    """
    digest = int.from_bytes(hashlib.sha256(sku.encode()).digest()[:8], "big")
    base = (Decimal(50 + digest % 50_000) * CENT).quantize(CENT)
    shape = (digest >> 32) % 10
    # Six in ten have one price, two in ten two tiers, two in ten three.
    steps = [(1, Decimal(1))]
    if shape >= 6:
        steps.append((10, Decimal("0.95")))
    if shape >= 8:
        steps.append((50, Decimal("0.90")))
    eur = [(qty, (base * factor).quantize(CENT)) for qty, factor in steps]
    usd = [(qty, (price * USD_PER_EUR).quantize(CENT)) for qty, price in eur]
    return eur, usd


def list_entries(
    *, list_eur: PriceList, list_usd: PriceList, products: dict[str, int]
) -> list[PriceListEntry]:
    """Entries of both default lists for ``products`` (sku -> id)."""
    entries = []
    for sku, product_id in products.items():
        if sku in NAMED_PRICES:
            eur_raw, usd_raw = NAMED_PRICES[sku]
            eur = [(qty, Decimal(price)) for qty, price in eur_raw]
            usd = [(qty, Decimal(price)) for qty, price in usd_raw]
        else:
            eur, usd = generated_tiers(sku)
        for price_list, tiers in ((list_eur, eur), (list_usd, usd)):
            entries.extend(
                PriceListEntry(
                    price_list=price_list, product_id=product_id, min_qty=qty, unit_price=price
                )
                for qty, price in tiers
            )
    return entries


def upsert_entries(entries: list[PriceListEntry]) -> None:
    PriceListEntry.objects.bulk_create(
        entries,
        update_conflicts=True,
        unique_fields=["price_list", "product", "min_qty"],
        update_fields=["unit_price"],
        batch_size=2000,
    )


def default_lists() -> tuple[PriceList, PriceList]:
    list_eur, _ = PriceList.objects.update_or_create(
        name="List EUR", defaults={"currency": "EUR", "is_default": True}
    )
    list_usd, _ = PriceList.objects.update_or_create(
        name="List USD", defaults={"currency": "USD", "is_default": True}
    )
    return list_eur, list_usd


@transaction.atomic
def seed_pricing() -> None:
    """Create or refresh List EUR/USD, Wholesale EUR (-10 %) and contract ACME-2026."""
    list_eur, list_usd = default_lists()
    products = dict(Product.objects.values_list("sku", "id"))
    upsert_entries(list_entries(list_eur=list_eur, list_usd=list_usd, products=products))

    wholesale_list, _ = PriceList.objects.update_or_create(
        name="Wholesale EUR",
        defaults={"currency": "EUR", "parent": list_eur, "percent": Decimal("-10.00")},
    )
    wholesale = CustomerGroup.objects.filter(name="Wholesale").first()
    if wholesale is not None:
        GroupPriceList.objects.update_or_create(
            group=wholesale, price_list=wholesale_list, defaults={"priority": 1}
        )

    acme = Company.objects.filter(code="acme").first()
    if acme is not None:
        contract, _ = Contract.objects.update_or_create(
            code=CONTRACT_CODE, defaults={"company": acme, "currency": acme.currency}
        )
        for sku, tiers in CONTRACT_PRICES.items():
            if sku not in products:
                continue
            for qty, price in tiers:
                ContractPrice.objects.update_or_create(
                    contract=contract,
                    product_id=products[sku],
                    min_qty=qty,
                    defaults={"unit_price": Decimal(price)},
                )
