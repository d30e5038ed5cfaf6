"""The demo of the README: companies, people, catalog, prices, stock, policies and orders.

It sits at the top of the house because it uses every app: each app seeds its own part
(``pricing.demo``, ``inventory.demo``, ``approvals.demo``) and this module puts them in
order. Safe to run again: every step converges, none duplicates.
"""

import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from approvals.demo import seed_orders, seed_policies
from inventory.demo import seed_stock
from inventory.models import CompanyWarehouse, Warehouse
from inventory.services import warehouse_staff_set
from portal.accounts.models import Address, Company, CustomerGroup, PaymentMethod
from portal.accounts.services import company_groups_ensure, membership_set, staff_finance_set
from portal.catalog.models import Category, Product
from pricing.demo import seed_pricing

# The demo's published password (README), not a secret.
DEMO_PASSWORD = "portal-demo"  # nosec B105

# (username, company code or None, what the README says about them)
DEMO_USERS = [
    ("acme.buyer", "acme", "buyer, budget 10,000 EUR/month"),
    ("acme.manager", "acme", "approver, limit 5,000 EUR"),
    ("acme.admin", "acme", "company admin, no limit"),
    ("borealis.buyer", "borealis", "buyer"),
    ("borealis.manager", "borealis", "approver, limit 50,000 USD"),
    ("warehouse.north", None, "warehouse staff, NORTH"),
    ("warehouse.south", None, "warehouse staff, SOUTH"),
    ("finance", None, "finance"),
    ("admin", None, "operator (superuser), /admin/"),
]

CATEGORIES = [
    ("Fasteners", "FAS", ["Hex bolt", "Carriage bolt", "Wood screw", "Washer", "Wall plug"]),
    ("Power tools", "PWR", ["Impact driver", "Angle grinder", "Jigsaw", "Orbital sander"]),
    ("Hand tools", "HND", ["Spanner", "Screwdriver", "Claw hammer", "Utility knife"]),
    ("Safety", "SAF", ["Safety glasses", "Ear defender", "Hi-vis vest", "Dust mask"]),
    ("Plumbing", "PLB", ["Compression fitting", "PTFE tape", "Ball valve", "Pipe clip"]),
    ("Electrical", "ELC", ["Cable tie", "Junction box", "Wago connector", "Cable gland"]),
    ("Adhesives", "ADH", ["Construction adhesive", "Silicone sealant", "Epoxy", "Wood glue"]),
    ("Packaging", "PKG", ["Stretch film", "Packing tape", "Carton", "Pallet strap"]),
]

NAMED_PRODUCTS = [
    # sku, name, category, unit, pack, min, increment, max, description
    (
        "BOLT-M8-50",
        "Hex bolt M8×50, zinc, box of 100",
        "fasteners",
        "box",
        100,
        1,
        1,
        None,
        "DIN 933 hex bolts, grade 8.8, zinc plated.",
    ),
    (
        "NUT-M8",
        "Hex nut M8, box of 100",
        "fasteners",
        "box",
        100,
        1,
        1,
        None,
        "DIN 934 hex nuts, grade 8, zinc plated.",
    ),
    (
        "DRILL-18V",
        "Cordless drill 18 V",
        "power-tools",
        "piece",
        1,
        1,
        1,
        20,
        "Two-speed cordless drill driver, 2 × 4 Ah batteries and charger in a case.",
    ),
    (
        "GLOVE-L",
        "Work gloves, size L, pair",
        "safety",
        "pair",
        1,
        12,
        12,
        None,
        "Nitrile-coated knitted work gloves, EN 388. Sold in packs of 12 pairs.",
    ),
]

GENERATED_PER_CATEGORY = 400


def seed_warehouses() -> dict[str, Warehouse]:
    north, _ = Warehouse.objects.update_or_create(code="NORTH", defaults={"name": "North"})
    south, _ = Warehouse.objects.update_or_create(code="SOUTH", defaults={"name": "South"})
    return {"NORTH": north, "SOUTH": south}


def seed_companies(warehouses) -> dict[str, Company]:
    wholesale, _ = CustomerGroup.objects.get_or_create(name="Wholesale")
    acme, _ = Company.objects.update_or_create(
        code="acme",
        defaults={
            "legal_name": "Acme Hardware GmbH",
            "vat_id": "DE123456789",
            "currency": "EUR",
            "payment_terms_days": 30,
            "payment_method": PaymentMethod.BANK_TRANSFER,
            "tax_exempt": False,
            "customer_group": wholesale,
        },
    )
    borealis, _ = Company.objects.update_or_create(
        code="borealis",
        defaults={
            "legal_name": "Borealis Foods Inc.",
            "vat_id": "",
            "currency": "USD",
            "payment_terms_days": 0,
            "payment_method": PaymentMethod.CARD,
            "tax_exempt": True,
            "customer_group": None,
        },
    )
    addresses = [
        (acme, "Head office", "Industriestraße 12", "70565", "Stuttgart", "DE", True, False),
        (acme, "Main warehouse", "Hafenweg 4", "70327", "Stuttgart", "DE", False, True),
        (acme, "Branch Munich", "Landsberger Str. 200", "80687", "München", "DE", False, True),
        (borealis, "Headquarters", "400 Harbor Blvd", "98101", "Seattle, WA", "US", True, True),
    ]
    for company, label, line1, postal, city, country, billing, shipping in addresses:
        Address.objects.update_or_create(
            company=company,
            label=label,
            defaults={
                "line1": line1,
                "postal_code": postal,
                "city": city,
                "country": country,
                "is_billing": billing,
                "is_shipping": shipping,
            },
        )
    for company, code in ((acme, "NORTH"), (borealis, "SOUTH")):
        company_groups_ensure(company=company)
        CompanyWarehouse.objects.update_or_create(
            company=company, defaults={"warehouse": warehouses[code]}
        )
    return {"acme": acme, "borealis": borealis}


def seed_users(companies, warehouses) -> None:
    User = get_user_model()
    password = make_password(DEMO_PASSWORD)
    users = {}
    for username, _company, _what in DEMO_USERS:
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={
                "email": f"{username}@example.com",
                "password": password,
                "is_active": True,
                "is_staff": username == "admin",
                "is_superuser": username == "admin",
            },
        )
        users[username] = user
    acme, borealis = companies["acme"], companies["borealis"]
    membership_set(
        user=users["acme.buyer"],
        company=acme,
        is_buyer=True,
        monthly_budget=Decimal("10000.00"),
    )
    membership_set(
        user=users["acme.manager"],
        company=acme,
        is_buyer=True,
        is_approver=True,
        approval_limit=Decimal("5000.00"),
    )
    membership_set(
        user=users["acme.admin"],
        company=acme,
        is_buyer=True,
        is_approver=True,
        is_company_admin=True,
    )
    membership_set(user=users["borealis.buyer"], company=borealis, is_buyer=True)
    membership_set(
        user=users["borealis.manager"],
        company=borealis,
        is_buyer=True,
        is_approver=True,
        approval_limit=Decimal("50000.00"),
    )
    warehouse_staff_set(user=users["warehouse.north"], warehouses=[warehouses["NORTH"]])
    warehouse_staff_set(user=users["warehouse.south"], warehouses=[warehouses["SOUTH"]])
    staff_finance_set(user=users["finance"], on=True)


def seed_catalog(per_category: int) -> None:
    categories = {}
    for name, _prefix, _kinds in CATEGORIES:
        slug = name.lower().replace(" ", "-")
        categories[slug], _ = Category.objects.get_or_create(slug=slug, defaults={"name": name})
    for sku, name, cat, unit, pack, min_qty, inc, max_qty, desc in NAMED_PRODUCTS:
        Product.objects.update_or_create(
            sku=sku,
            defaults={
                "name": name,
                "category": categories[cat],
                "unit": unit,
                "pack_size": pack,
                "min_qty": min_qty,
                "increment": inc,
                "max_qty": max_qty,
                "description": desc,
                "tax_rate": Decimal("19.00"),
                "is_active": True,
            },
        )
    # The generated catalog is deterministic so that every machine gets the same demo.
    # Repeatable demo data, nothing secret.
    rng = random.Random(2026)  # nosec B311
    generated = []
    for name, prefix, kinds in CATEGORIES:
        category = categories[name.lower().replace(" ", "-")]
        for n in range(1, per_category + 1):
            kind = kinds[n % len(kinds)]
            increment = rng.choice([1, 1, 1, 5, 10, 25])
            generated.append(
                Product(
                    sku=f"{prefix}-{n:05d}",
                    name=f"{kind} {rng.choice(['S', 'M', 'L', 'XL', 'Pro', 'Eco'])} "
                    f"{rng.randint(2, 120)}",
                    category=category,
                    unit="piece" if increment == 1 else "pack",
                    pack_size=increment,
                    min_qty=increment,
                    increment=increment,
                    tax_rate=Decimal("19.00"),
                    description=f"{kind} from the {name.lower()} range.",
                )
            )
    Product.objects.bulk_create(generated, ignore_conflicts=True, batch_size=1000)


@transaction.atomic
def seed_demo(*, products_per_category: int = GENERATED_PER_CATEGORY, orders: bool = True) -> int:
    """Create or refresh the whole demo; returns how many demo orders were placed."""
    warehouses = seed_warehouses()
    companies = seed_companies(warehouses)
    seed_users(companies, warehouses)
    seed_catalog(products_per_category)
    seed_pricing()
    seed_stock()
    seed_policies()
    return seed_orders() if orders else 0
