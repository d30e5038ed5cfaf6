"""Large data set: `make bench-seed` (or `python bench/seed_large.py`).

Builds the database ``bench_large`` (``--database``) on the configured PostgreSQL server (the
embedded one unless DATABASE_URL names another), dropping it first if it exists; ``--keep``
keeps it instead, and only migrates one this script completed. The developer's database and
the test database are refused. At ``--scale 1.0`` (0.01 makes a small one) it holds:

- the demo (``manage.py seed_demo``): its nine people sign in with ``portal-demo``; its four
  named products, their stock and its orders are as the README tells them;
- 10,000 products in 20 categories, in List EUR and List USD, stocked in NORTH and SOUTH;
- 500 companies in EUR or USD with buyers (some with monthly budgets), approvers with limits
  and a company admin, billing and delivery addresses, approval policies, customer groups with
  rule lists and a spring promotion, company price lists, contracts with tiers (renewed each
  1 January) and a few companies on the lowest-price strategy;
- 100,000 orders over the last two years, priced by ``pricing.engine`` as on the day they
  were placed, with their timelines, approval requirements and approvals: most shipped, some
  rejected, cancelled or sent back, the last days' ones waiting for approval or to be picked.
  10,000 of them are Acme's, 30 of those wait for approval; acme.buyer's cart is empty;
- the invoice of every shipped order, about 96,700 in EUR and USD (INV-<year>-NNNNN in the
  order they were issued), paid by transfer or card, some late, some overdue, and about 400
  credited (their credit notes CN-<year>-NNNNN);
- 1,000,000 stock movements (reservations, releases, shipments, deliveries, returns, stock
  counts) that add up to the stock levels: ``manage.py check_stock_ledger`` passes.

On this 2-core machine scale 1.0 takes about 2 1/2 minutes (measured beside other test runs):
migrating 14 s, the demo 9 s, the generated rows 2 minutes, VACUUM ANALYZE 7 s and the ledger
check 3 s. The database takes about 800 MB.

The generated rows are written with COPY in one transaction, with the session's triggers off
(``session_replication_role = replica``, which needs a superuser): the audit triggers would
record a history nobody made, row by row, and the status guard refuses orders that do not
start as drafts. What the triggers and the foreign keys keep, the generator keeps itself:
every reference is to a row it wrote or found; each order's lines are counted; statuses,
versions, timelines and reserved stock follow ``approvals.workflow``; contracts and company
lists are in their company's currency and rule lists derive from a list of theirs; every
tracked row starts its audit trail with a ``baseline`` event (as migration audit 0002 does
for rows older than the trail); keys, order numbers and invoice counters go on after the
last one given. The secondary indexes of the order, invoice, stock movement and audit
tables are set aside during the load and built again, the same, before the commit; CHECK,
NOT NULL and unique constraints hold throughout, and the unique indexes check every row as
they are built.
"""

import argparse
import bisect
import io
import json
import math
import os
import random
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
# The demo's invoice PDFs go beside the benchmarks' other files (bench/load.py serves them
# from there), not into the developer's media folder.
os.environ.setdefault("MEDIA_ROOT", str(Path(__file__).resolve().parent.parent / ".bench/media"))

import django

django.setup()

import psycopg  # noqa: E402
from django.apps import apps  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group, Permission  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.text import slugify  # noqa: E402

from approvals.models import (  # noqa: E402
    Approval,
    ApprovalPolicy,
    ApprovalRequirement,
    ApprovalThreshold,
)
from inventory.models import (  # noqa: E402
    CompanyWarehouse,
    MovementKind,
    StockLevel,
    StockMovement,
    Warehouse,
)
from portal.accounts.models import (  # noqa: E402
    FINANCE_GROUP,
    WAREHOUSE_GROUP_PREFIX,
    Address,
    Company,
    CompanyGroupObjectPermission,
    CompanyRoleGroup,
    CustomerGroup,
    CustomerRole,
    Membership,
    PaymentMethod,
)
from portal.accounts.services import ROLE_PERMISSIONS  # noqa: E402
from portal.catalog.models import Category, Product  # noqa: E402
from portal.demo import CATEGORIES  # noqa: E402
from portal.invoices.models import (  # noqa: E402
    SERIES,
    CardAttempt,
    CardAttemptStatus,
    DocumentCounter,
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    InvoiceTax,
    Payment,
    PaymentKind,
)
from portal.orders.models import Order, OrderEvent, OrderLine, OrderStatus  # noqa: E402
from portal.orders.models import OrderEventKind as Kind  # noqa: E402
from pricing.currencies import format_money, quantize  # noqa: E402
from pricing.demo import generated_tiers  # noqa: E402
from pricing.engine import quote  # noqa: E402
from pricing.models import (  # noqa: E402
    CompanyPriceList,
    CompanyPricing,
    Contract,
    ContractPrice,
    GroupPriceList,
    PriceList,
    PriceListEntry,
    Strategy,
)

User = get_user_model()
UserGroups = User.groups.through
S = OrderStatus

# Scale 1.0, the demo's rows included.
PRODUCTS, COMPANIES, ORDERS, MOVEMENTS = 10_000, 500, 100_000, 1_000_000
ACME_ORDERS, ACME_PENDING, BOREALIS_ORDERS = 10_000, 30, 1_200
# Below these a tiny scale would leave whole kinds of rows out.
AT_LEAST_PRODUCTS, AT_LEAST_COMPANIES, AT_LEAST_ORDERS = 12, 6, 60
# acme.buyer places about this many a month: their budget is the demo's 10,000 EUR.
DEMO_BUYER_MONTHLY = 2

HISTORY_DAYS = 730
DAY, HOUR = 86_400, 3_600
CENT, HUNDRED = Decimal("0.01"), Decimal(100)
NAMED = {"DRILL-18V", "BOLT-M8-50", "NUT-M8", "GLOVE-L"}  # the demo's story; left alone
DONE = "Made by bench/seed_large.py:"  # the database comment of a completed run

NEW_CATEGORIES = [
    ("Abrasives", "ABR", ["Flap disc", "Sanding belt", "Cutting disc", "Abrasive roll"]),
    ("Lighting", "LGT", ["LED panel", "Floodlight", "Work lamp", "LED tube"]),
    ("Storage", "STO", ["Shelving unit", "Storage bin", "Tool case", "Drawer cabinet"]),
    ("Welding", "WLD", ["Welding rod", "Welding helmet", "Welding wire", "Earth clamp"]),
    ("Paint", "PNT", ["Primer", "Masonry paint", "Paint roller", "Masking tape"]),
    ("Cleaning", "CLN", ["Degreaser", "Microfibre cloth", "Floor cleaner", "Hand soap"]),
    ("Workwear", "WRK", ["Work trousers", "Softshell jacket", "Safety boot", "Knee pad"]),
    ("Ladders", "LAD", ["Step ladder", "Extension ladder", "Platform ladder", "Step stool"]),
    ("Locks", "LCK", ["Padlock", "Cylinder lock", "Door closer", "Hasp and staple"]),
    ("Pneumatics", "PNE", ["Air hose", "Quick coupler", "Air regulator", "Blow gun"]),
    ("Garden", "GDN", ["Garden hose", "Pruning shear", "Wheelbarrow", "Rake"]),
    # Food and drink, at the reduced VAT rate: some invoices carry two rates.
    ("Breakroom", "BRK", ["Coffee beans", "Tea assortment", "Mineral water", "Sugar sticks"]),
]
REDUCED_RATE = {"Breakroom": Decimal("7.00")}
# fmt: off
VARIANTS = ["S", "M", "L", "XL", "Pro", "Eco", "Plus", "HD", "Compact", "Max"]
# Orders come in round numbers.
NICE = [1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 24, 25, 30, 40, 50, 60, 75, 100, 120, 150, 200,
        250, 300, 400, 500]
# country: legal forms, cities with postal codes, VAT id (its digits in braces)
EUR_COUNTRIES = {
    "DE": (["GmbH", "GmbH & Co. KG", "AG", "KG"],
           [("Hamburg", "20095"), ("Köln", "50667"), ("Leipzig", "04109"), ("Dortmund", "44135"),
            ("Nürnberg", "90402"), ("Bremen", "28195"), ("Hannover", "30159")], "DE{9}"),
    "AT": (["GmbH", "KG"], [("Wien", "1010"), ("Graz", "8010"), ("Linz", "4020")], "ATU{8}"),
    "NL": (["B.V."], [("Rotterdam", "3011"), ("Utrecht", "3511")], "NL{9}B01"),
    "FR": (["SAS", "SARL"], [("Lyon", "69002"), ("Lille", "59000")], "FR{11}"),
    "PL": (["Sp. z o.o."], [("Poznań", "61-001"), ("Wrocław", "50-001")], "PL{10}"),
}
US_CITIES = [("Seattle, WA", "98101"), ("Denver, CO", "80202"), ("Austin, TX", "78701"),
             ("Columbus, OH", "43215"), ("Portland, OR", "97201"), ("Atlanta, GA", "30303")]
EUR_NAMES = (
    ["Alpen", "Baltic", "Rhein", "Nord", "Donau", "Elbe", "Hansa", "Isar", "Main", "Weser",
     "Mosel", "Harz", "Eifel", "Spree", "Kessler", "Vogel", "Becker", "Krause", "Lange",
     "Berger", "Hofmann", "Keller", "Wagner", "Fischer", "Weber", "Richter", "Wolf"],
    ["Bau", "Haustechnik", "Metallbau", "Elektro", "Holzbau", "Sanitär", "Werkzeuge",
     "Industrieservice", "Montage", "Anlagenbau", "Dachtechnik", "Malerbetrieb",
     "Gebäudeservice", "Logistik", "Facility"],
)
US_NAMES = (
    ["Pacific", "Summit", "Lakeside", "Granite", "Prairie", "Harbor", "Redwood", "Atlas",
     "Keystone", "Liberty", "Cascade", "Frontier", "Bluegrass", "Ironwood", "Sterling"],
    ["Builders", "Supply", "Facilities", "Contracting", "Mechanical", "Electric",
     "Construction", "Maintenance", "Industrial", "Foods", "Hospitality"],
)
US_FORMS = ["Inc.", "LLC", "Corp.", "Co."]
STREETS = ["Industriestraße", "Hafenweg", "Gewerbering", "Am Bahnhof", "Werkstraße",
           "Main Street", "Commerce Drive", "Harbor Road", "Mill Lane"]
FIRST_NAMES = ["anna", "ben", "clara", "david", "emma", "felix", "greta", "hannah", "jonas",
               "lena", "lukas", "marie", "max", "nina", "paul", "sara", "tom", "julia", "leon",
               "mia", "noah", "olivia", "liam", "ava", "ethan", "grace", "henry"]
LAST_NAMES = ["weber", "schmidt", "meyer", "wagner", "becker", "schulz", "hoffmann", "koch",
              "bauer", "richter", "klein", "wolf", "neumann", "smith", "johnson", "brown",
              "miller", "davis", "garcia", "wilson", "moore", "taylor"]
# fmt: on

REJECTIONS = [
    "Not in this quarter's budget; please order again in the next one.",
    "We have these in stock at the site already.",
    "Order the cheaper alternative from our contract instead.",
]
CHANGES = [
    "Please reduce the quantities to what the job needs.",
    "Split this: half now, half next month.",
    "Add the project number to the PO field.",
]
LOSSES = ["Stock count", "Damaged in handling", "Breakage"]


def scaled(value: int, scale: float) -> int:
    return max(1, round(value * scale))


def accumulate(weights) -> list[float]:
    total, running = 0.0, []
    for weight in weights:
        total += weight
        running.append(total)
    return running


def nice(amount: float) -> Decimal:
    """The round amount at or above ``amount`` (a budget): 7,234 -> 7,500."""
    scale = 10 ** max(0, int(math.log10(max(amount, 1))))
    step = next(s for s in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5, 8, 10) if s * scale >= amount)
    return Decimal(step * scale).quantize(CENT)


# -- time ------------------------------------------------------------------------------


class Clock:
    """Times of the history as whole seconds since its first midnight (UTC), and their text.

    Formatting a datetime per row would cost more than the rest of the row: the text of each
    day and of each second of a day is made once.
    """

    def __init__(self, now: datetime, days: int):
        self.start = (now - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
        self.now = int((now - self.start).total_seconds())
        self.today = self.now // DAY
        self.dates = [(self.start + timedelta(days=d)).date() for d in range(days + 800)]
        self._days = [d.isoformat() for d in self.dates]
        self._seconds = [f" {s // HOUR:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00" for s in range(DAY)]

    def ts(self, t: int) -> str:
        return self._days[t // DAY] + self._seconds[t % DAY]

    def date(self, t: int) -> str:
        return self._days[t // DAY]

    def day(self, day: int) -> str:
        return self._days[day]

    def datetime(self, t: int) -> datetime:
        return self.start + timedelta(seconds=t)

    def at(self, year: int, month: int, day: int) -> int:
        """Midnight of that day in Europe/Berlin, near enough: an hour before, in UTC."""
        return int((datetime(year, month, day, tzinfo=UTC) - self.start).total_seconds()) - HOUR

    def working(self, t: int) -> int:
        """``t``, or the next working moment (Monday to Friday, 06:00 to 17:00 UTC)."""
        day, second = divmod(t, DAY)
        if second >= 17 * HOUR:
            day, second = day + 1, 6 * HOUR
        second = max(second, 6 * HOUR)
        while self.dates[day].weekday() >= 5:
            day, second = day + 1, 6 * HOUR
        return day * DAY + second

    def add_working_days(self, t: int, days: int) -> int:
        """As ``approvals.reminders.add_working_days``: same time of day, weekends skipped."""
        day, second = divmod(t, DAY)
        if self.dates[day].weekday() >= 5:
            second = 0
        while self.dates[day].weekday() >= 5:
            day += 1
        while days:
            day += 1
            days -= self.dates[day].weekday() < 5
        return day * DAY + second


# -- writing ---------------------------------------------------------------------------


class Loader:
    """COPY rows into the models' tables on the bulk transaction's connection, counting them."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn
        self.counts: Counter = Counter()
        self.first: dict[type, int] = {}  # the first key this run gave, per model
        self._next: dict[type, int] = {}

    def ids(self, model, count: int) -> range:
        """``count`` new primary keys of ``model``, after the highest in its table.

        Take them before a COPY starts: the connection answers nothing else during one.
        """
        if model not in self._next:
            table = model._meta.db_table
            query = f'SELECT coalesce(max(id), 0) + 1 FROM "{table}"'  # noqa: S608  # nosec B608
            self._next[model] = self.first[model] = self.conn.execute(query).fetchone()[0]
        first = self._next[model]
        self._next[model] += count
        return range(first, first + count)

    def copy(self, model, fields: str, rows) -> None:
        """``fields``: the model's field names, in the order of each row's values."""
        meta = model._meta
        columns = ", ".join(f'"{meta.get_field(name).column}"' for name in fields.split())
        with self.conn.cursor().copy(f'COPY "{meta.db_table}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
                self.counts[model] += 1

    def numbered(self, model, fields: str, rows: list) -> None:
        """COPY ``rows`` (without their key) under new keys, in their order."""
        ids = iter(self.ids(model, len(rows)))
        self.copy(model, f"id {fields}", ((next(ids), *row) for row in rows))


# -- what the generator knows of the rows it writes and finds ---------------------------


@dataclass(slots=True)
class Item:
    id: int
    min_qty: int
    increment: int
    max_qty: int | None
    price: Decimal  # the EUR list price of one unit: sizes quantities and deals


@dataclass(slots=True, eq=False)
class Member:
    user_id: int
    is_buyer: bool = True
    is_approver: bool = False
    is_admin: bool = False
    limit: Decimal | None = None
    budget: Decimal | None = None
    budgeted: bool = False  # a budget is fitted to what they spend, once that is known


@dataclass(slots=True, eq=False)
class Customer:
    id: int
    code: str
    name: str
    currency: str
    terms: int
    method: str
    exempt: bool
    group_id: int | None
    warehouse: str
    buyer_json: str  # the invoices' snapshot of the company and its billing address
    shipping: list[tuple[int, str]] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    thresholds: list[tuple[Decimal, int, bool]] = field(default_factory=list)
    # When one of the company's price sources starts or stops applying.
    boundaries: list[int] = field(default_factory=list)
    # Companies whose prices come from the same sources share one: quoted once for all.
    profile: tuple = ()
    assortment: list[int] = field(default_factory=list)
    cumulative: list[float] = field(default_factory=list)
    orders: int = 0
    late_payer: float = 0.0
    since: int = 0
    demo: bool = False  # Acme and Borealis: their people, prices and policies are the demo's


@dataclass(slots=True, eq=False)
class Plan:
    """One order: what was asked for, what it cost, and what became of it."""

    id: int
    customer: Customer
    buyer: Member
    submitted: int
    lines: list[tuple[int, int]]  # (product id, quantity)
    number: str = ""
    po_number: str = ""
    priced: list = field(default_factory=list)  # per line: unit, total, tax, source, explanation
    subtotal: Decimal = Decimal(0)
    tax_total: Decimal = Decimal(0)
    # (approvals, last by a company admin, reasons, budget, spent before) at submission
    requirement: tuple = ()
    outcome: str = "approve"  # what its deciders will do: approve, reject, changes, cancel
    waits: bool = False  # still in the approval queue now, whatever the deciders' habits


class Bulk:
    """The generated rows of one run and what they need from each other."""

    def __init__(self, *, conn, rng: random.Random, clock: Clock):
        self.conn, self.rng, self.clock = conn, rng, clock
        self.load = Loader(conn)
        self.items: dict[int, Item] = {}
        self.customers: list[Customer] = []
        self.users = dict(User.objects.values_list("username", "id"))
        self.warehouses = dict(Warehouse.objects.values_list("code", "id"))
        self.staff = {code: [self.users[f"warehouse.{code.lower()}"]] for code in self.warehouses}
        self.finance = [self.users["finance"]]
        self.levels: dict[tuple[str, int], int] = {}  # (warehouse code, product) -> level id
        self.level_state: dict[int, list] = {}  # level id -> [on hand, reserved, reorder point]
        self.new_levels: dict[int, list] = {}  # level id -> [warehouse id, product id]
        self.stock_ops: dict[int, list] = defaultdict(list)  # what orders did to each level
        self.shipped: list = []  # (time, tie, plan, shipped by, credit (time, by, reason))
        self.ties = 0

    def tie(self) -> int:
        """Keeps things that happen in the same second in the order they happened."""
        self.ties += 1
        return self.ties

    # -- catalog ------------------------------------------------------------------------

    def catalog(self, total: int) -> None:
        rng, load = self.rng, self.load
        categories = dict(Category.objects.values_list("name", "id"))
        new = [c for c in NEW_CATEGORIES if c[0] not in categories]
        categories.update(
            (c[0], pk) for pk, c in zip(load.ids(Category, len(new)), new, strict=True)
        )
        load.copy(Category, "id name slug", ((categories[n], n, slugify(n)) for n, _, _ in new))
        numbers: Counter = Counter()
        for sku in Product.objects.values_list("sku", flat=True):
            prefix, _, number = sku.partition("-")
            numbers[prefix] = max(numbers[prefix], int(number) if number.isdigit() else 0)
        lists = dict(PriceList.objects.filter(is_default=True).values_list("currency", "id"))
        every = [*CATEGORIES, *NEW_CATEGORIES]
        rows, entries = [], []
        count = max(total - Product.objects.count(), AT_LEAST_PRODUCTS)
        for pk in load.ids(Product, count):
            name, prefix, kinds = every[pk % len(every)]
            numbers[prefix] += 1
            sku = f"{prefix}-{numbers[prefix]:05d}"
            kind = rng.choice(kinds)
            increment = rng.choice([1, 1, 1, 1, 5, 10, 25])
            min_qty = increment * (2 if rng.random() < 0.1 else 1)
            max_qty = min_qty * rng.choice([10, 20, 50]) if rng.random() < 0.05 else None
            packs = f" Sold in packs of {increment}." if increment > 1 else ""
            rows.append((
                pk, sku, f"{kind} {rng.choice(VARIANTS)} {rng.randint(2, 240)}",
                f"{kind} from the {name.lower()} range.{packs}", categories[name],
                "pack" if increment > 1 else "piece", increment, min_qty, increment, max_qty,
                REDUCED_RATE.get(name, Decimal("19.00")), rng.random() > 0.02,
                self.clock.ts(rng.randrange(0, 20 * DAY)),
            ))  # fmt: skip
            eur, usd = generated_tiers(sku)
            for currency, tiers in (("EUR", eur), ("USD", usd)):
                entries.extend((lists[currency], pk, qty, price) for qty, price in tiers)
        load.copy(
            Product,
            "id sku name description category unit pack_size min_qty increment max_qty "
            "tax_rate is_active created_at",
            rows,
        )
        load.numbered(PriceListEntry, "price_list product min_qty unit_price", entries)
        for pk, sku, min_qty, increment, max_qty in (
            Product.objects.filter(is_active=True)
            .exclude(sku__in=NAMED)
            .values_list("pk", "sku", "min_qty", "increment", "max_qty")
        ):
            price = generated_tiers(sku)[0][0][1]
            self.items[pk] = Item(pk, min_qty, increment, max_qty, price)
        # A few products sell a lot, most a little; the order of the list is their rank.
        self.popular = list(self.items)
        rng.shuffle(self.popular)

    def open_levels(self) -> None:
        """Every product is held in every warehouse: levels for those new to one."""
        for pk, code, product, on_hand, reserved, point in StockLevel.objects.values_list(
            "pk", "warehouse__code", "product_id", "on_hand", "reserved", "reorder_point"
        ):
            self.levels[code, product] = pk
            self.level_state[pk] = [on_hand, reserved, point]
        missing = [
            (code, product)
            for product in Product.objects.values_list("pk", flat=True)
            for code in self.warehouses
            if (code, product) not in self.levels
        ]
        for level, (code, product) in zip(
            self.load.ids(StockLevel, len(missing)), missing, strict=True
        ):
            self.levels[code, product] = level
            self.level_state[level] = [0, 0, 0]
            self.new_levels[level] = [self.warehouses[code], product]
        self.level_warehouse = {level: code for (code, _), level in self.levels.items()}

    # -- customers ----------------------------------------------------------------------

    def companies(self, total: int) -> None:
        self.customers_known()
        self.customers_new(total)

    def customers_known(self) -> None:
        """Acme and Borealis as the demo made them."""
        for company in Company.objects.select_related("supply__warehouse").order_by("pk"):
            billing = company.addresses.order_by("-is_billing", "label").first()
            customer = Customer(
                company.pk, company.code, company.legal_name, company.currency,
                company.payment_terms_days, company.payment_method, company.tax_exempt,
                company.customer_group_id, company.supply.warehouse.code,
                _buyer_json(company.legal_name, company.vat_id, billing),
                profile=("own", company.pk), demo=True,
            )  # fmt: skip
            for address in company.addresses.filter(is_shipping=True).order_by("pk"):
                customer.shipping.append((address.pk, _address_text(address)))
            for m in Membership.objects.filter(company=company).order_by("user__username"):
                customer.members.append(
                    Member(m.user_id, m.is_buyer, m.is_approver, m.is_company_admin,
                           m.approval_limit, m.monthly_budget)
                )  # fmt: skip
            customer.thresholds = list(
                ApprovalThreshold.objects.filter(policy__company=company)
                .order_by("above")
                .values_list("above", "approvals", "last_by_company_admin")
            )
            self.customers.append(customer)

    def customers_new(self, total: int) -> None:
        rng, load = self.rng, self.load
        groups = self.customer_groups()
        names = set(Company.objects.values_list("legal_name", flat=True))
        codes = set(Company.objects.values_list("code", flat=True))
        companies, addresses = [], []
        count = max(total - len(self.customers), AT_LEAST_COMPANIES)
        address_ids = iter(load.ids(Address, 5 * count))
        for pk in load.ids(Company, count):
            usd = rng.random() < 0.3
            if usd:
                country, cities, vat = "US", US_CITIES, ""
                short = f"{rng.choice(US_NAMES[0])} {rng.choice(US_NAMES[1])}"
                form = rng.choice(US_FORMS)
            else:
                country = rng.choices(list(EUR_COUNTRIES), [60, 10, 10, 10, 10])[0]
                forms, cities, pattern = EUR_COUNTRIES[country]
                form = rng.choice(forms)
                short = f"{rng.choice(EUR_NAMES[0])} {rng.choice(EUR_NAMES[1])}"
                head, _, rest = pattern.partition("{")
                digits, _, tail = rest.partition("}")
                vat = head + "".join(str(rng.randrange(10)) for _ in range(int(digits))) + tail
            while f"{short} {form}" in names:
                short = f"{short} {rng.choice(cities)[0].split(',')[0]}"
            legal = f"{short} {form}"
            names.add(legal)
            code = slugify(short)[:24].strip("-")
            while code in codes:
                code = f"{slugify(short)[:24].strip('-')}-{rng.randint(2, 999)}"
            codes.add(code)
            card = rng.random() < (0.4 if usd else 0.1)
            method = PaymentMethod.CARD if card else PaymentMethod.BANK_TRANSFER
            terms = 0 if card else rng.choice([14, 30, 30, 30, 45, 60])
            exempt = usd and rng.random() < 0.5
            group = rng.choices(
                [groups["Wholesale"], groups["Key accounts"], groups["Installers"], None],
                [33, 9, 0 if usd else 18, 40],
            )[0]
            companies.append((pk, code, legal, vat, "USD" if usd else "EUR", terms, method,
                              exempt, group, rng.random() > 0.01))  # fmt: skip
            city, postal = rng.choice(cities)
            street = f"{rng.choice(STREETS)} {rng.randint(1, 180)}"
            customer = Customer(
                pk, code, legal, "USD" if usd else "EUR", terms, method, exempt, group,
                "SOUTH" if usd or rng.random() < 0.3 else "NORTH",
                _buyer_json(legal, vat, {"line1": street, "postal_code": postal, "city": city,
                                         "country": country}),
                since=rng.randrange(0, 20 * DAY), late_payer=rng.choice([0, 0, 0.1, 0.3, 0.6]),
            )  # fmt: skip
            sites = {"Head office": (street, city, postal)}
            sites["Main warehouse"] = (f"{rng.choice(STREETS)} {rng.randint(1, 180)}", city, postal)
            for site_city, site_postal in rng.sample(cities, rng.randint(0, 2)):
                place = site_city.split(",")[0]
                sites[f"Site {place}"] = (
                    f"{rng.choice(STREETS)} {rng.randint(1, 99)}",
                    site_city,
                    site_postal,
                )
            ships_to_office = rng.random() < 0.3
            for label, (line1, site_city, site_postal) in sites.items():
                billing = label == "Head office"
                row = (next(address_ids), pk, label, line1, "", site_postal, site_city, country,
                       billing, ships_to_office or not billing)  # fmt: skip
                addresses.append(row)
                if row[-1]:
                    customer.shipping.append((row[0], _text(*row[2:8])))
            self.customers.append(customer)
        load.copy(
            Company,
            "id code legal_name vat_id currency payment_terms_days payment_method tax_exempt "
            "customer_group is_active",
            companies,
        )
        load.copy(
            Address,
            "id company label line1 line2 postal_code city country is_billing is_shipping",
            addresses,
        )
        new = [c for c in self.customers if c.id in {row[0] for row in companies}]
        load.numbered(
            CompanyWarehouse,
            "company warehouse",
            [(c.id, self.warehouses[c.warehouse]) for c in new],
        )
        self.people(new)
        self.policies(new)

    def customer_groups(self) -> dict[str, int]:
        groups = dict(CustomerGroup.objects.values_list("name", "id"))
        wanted = [n for n in ("Wholesale", "Key accounts", "Installers") if n not in groups]
        groups.update(zip(wanted, self.load.ids(CustomerGroup, len(wanted)), strict=True))
        self.load.copy(CustomerGroup, "id name", ((groups[n], n) for n in wanted))
        return groups

    def people(self, new: list[Customer]) -> None:
        """The new companies' role groups and permissions (as ``company_groups_ensure``
        makes them), people in every company, and two more in each warehouse and finance."""
        rng, load = self.rng, self.load
        permissions = dict(
            Permission.objects.filter(content_type__app_label="accounts").values_list(
                "codename", "pk"
            )
        )
        role_groups = {(g.company_id, g.role): g.group_id for g in CompanyRoleGroup.objects.all()}
        groups, links, grants = [], [], []
        group_ids = iter(load.ids(Group, len(ROLE_PERMISSIONS) * len(new)))
        for customer in new:
            for role, codenames in ROLE_PERMISSIONS.items():
                group = role_groups[customer.id, role] = next(group_ids)
                groups.append((group, f"company:{customer.code}:{role}"))
                links.append((customer.id, role, group))
                grants.extend((customer.id, group, permissions[name]) for name in codenames)
        self.user_rows, self.joins = [], []
        self.password = User.objects.get(username="acme.buyer").password  # portal-demo
        taken = set(self.users)

        def person(prefix: str, domain: str, since: int) -> int:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            username = f"{prefix}.{first}.{last}"
            while username in taken:
                username = f"{prefix}.{first}.{last}{rng.randint(2, 99)}"
            taken.add(username)
            (pk,) = load.ids(User, 1)
            self.users[username] = pk
            joined = self.clock.ts(since + rng.randrange(0, 10 * DAY))
            seen = self.clock.ts(self.clock.now - rng.randrange(0, 20 * DAY))
            email = f"{first}.{last}@{domain}"
            self.user_rows.append((pk, self.password, seen, False, username, first.title(),
                                   last.title(), email, False, True, joined))  # fmt: skip
            return pk

        for customer in self.customers:
            if customer in new:
                members = [Member(0, True, True, True)]
                for _ in range(rng.randint(1, 2)):
                    limit = Decimal(rng.choice([2000, 5000, 10000, 25000]))
                    members.append(Member(0, True, True, limit=limit))
                members += [Member(0) for _ in range(rng.randint(1, 6))]
            elif customer.code == "acme":
                # The demo's three are not all who order for a company with Acme's volume.
                members = [Member(0) for _ in range(max(1, round(len(self.customers) / 60)))]
                members.append(Member(0, True, True, limit=Decimal("2500.00")))
            elif customer.code == "borealis":
                members = [Member(0), Member(0)]
            else:
                continue
            for member in members:
                member.user_id = person(customer.code, f"{customer.code}.example", customer.since)
                member.budgeted = not member.is_approver and rng.random() < 0.3
                for role, on in ((CustomerRole.BUYER, member.is_buyer),
                                 (CustomerRole.APPROVER, member.is_approver),
                                 (CustomerRole.COMPANY_ADMIN, member.is_admin)):  # fmt: skip
                    if on:
                        self.joins.append((member.user_id, role_groups[customer.id, role]))
            customer.members += members
        staff = dict(Group.objects.values_list("name", "id"))
        for code in self.warehouses:
            for _ in range(2):
                self.staff[code].append(person(f"warehouse.{code.lower()}", "portal.example", 0))
                self.joins.append((self.staff[code][-1], staff[f"{WAREHOUSE_GROUP_PREFIX}{code}"]))
        for _ in range(2):
            self.finance.append(person("finance", "portal.example", 0))
            self.joins.append((self.finance[-1], staff[FINANCE_GROUP]))
        load.copy(Group, "id name", groups)
        load.numbered(CompanyRoleGroup, "company role group", links)
        load.numbered(CompanyGroupObjectPermission, "content_object group permission", grants)

    def write_people(self) -> None:
        """The people and their memberships, once their budgets fit what they spend."""
        new_users = {row[0] for row in self.user_rows}
        self.load.copy(
            User,
            "id password last_login is_superuser username first_name last_name email is_staff "
            "is_active date_joined",
            self.user_rows,
        )
        rows = [
            (m.user_id, c.id, m.is_buyer, m.is_approver, m.is_admin, m.limit, m.budget)
            for c in self.customers
            for m in c.members
            if m.user_id in new_users
        ]
        self.load.numbered(
            Membership,
            "user company is_buyer is_approver is_company_admin approval_limit monthly_budget",
            rows,
        )
        self.load.numbered(UserGroups, "user group", self.joins)

    def policies(self, new: list[Customer]) -> None:
        """Approval thresholds for two in three new companies (the rest approve everything)."""
        shapes = [
            [(Decimal("1000.00"), 1, False)],
            [(Decimal("2500.00"), 1, False), (Decimal("10000.00"), 2, True)],
            [(Decimal("500.00"), 1, False), (Decimal("5000.00"), 2, False)],
            [(Decimal("5000.00"), 1, True)],
        ]
        policies, thresholds = [], []
        for customer, pk in zip(new, self.load.ids(ApprovalPolicy, len(new)), strict=True):
            if self.rng.random() < 0.35:
                continue
            customer.thresholds = self.rng.choice(shapes)
            policies.append((pk, customer.id, self.clock.ts(customer.since + HOUR)))
            thresholds.extend((pk, *threshold) for threshold in customer.thresholds)
        self.load.copy(ApprovalPolicy, "id company updated_at", policies)
        self.load.numbered(
            ApprovalThreshold, "policy above approvals last_by_company_admin", thresholds
        )

    # -- pricing ------------------------------------------------------------------------

    def pricing(self) -> None:
        """What each company buys, and the new companies' lists, contracts and strategies."""
        rng, clock, load = self.rng, self.clock, self.load
        ranks = [1 / (rank + 20) ** 0.9 for rank in range(len(self.popular))]
        popular = accumulate(ranks)
        for customer in self.customers:
            size = min(1500 if customer.code == "acme" else rng.randint(30, 500), len(popular))
            picked = dict.fromkeys(rng.choices(self.popular, cum_weights=popular, k=3 * size))
            customer.assortment = list(picked)[:size]
            # What a pack costs holds its product back: few buy 25 angle grinders at once.
            customer.cumulative = accumulate(
                1 / (rank + 3) / (1 + float(self.items[pk].price) * self.items[pk].min_qty / 300)
                for rank, pk in enumerate(customer.assortment)
            )
        lists = dict(PriceList.objects.values_list("name", "id"))
        groups = dict(CustomerGroup.objects.values_list("name", "id"))
        taken = set(GroupPriceList.objects.values_list("group_id", "priority"))
        new_lists, entries, assigned, own, contracts, prices, strategies = ([] for _ in range(7))
        year = clock.dates[clock.today].year

        def price_list(name, currency, parent=None, percent=None, window=(None, None)):
            if name not in lists:
                (lists[name],) = load.ids(PriceList, 1)
                start, end = (clock.ts(t) if t is not None else None for t in window)
                parent_id = lists[parent] if parent else None
                row = (lists[name], name, currency, parent_id, percent, False, start, end, "")
                new_lists.append(row)
            return lists[name]

        def assign(group: str, list_id: int, priority: int) -> None:
            if (groups[group], priority) not in taken:
                assigned.append((groups[group], list_id, priority))

        minus = Decimal
        assign("Wholesale", price_list("Wholesale USD", "USD", "List USD", minus("-8")), 2)
        assign("Key accounts", price_list("Key accounts EUR", "EUR", "List EUR", minus("-15")), 1)
        assign("Key accounts", price_list("Key accounts USD", "USD", "List USD", minus("-12")), 2)
        # The installers' spring promotions come first while they run, their own list after.
        promotions = []
        for priority, spring in enumerate((year - 1, year), start=1):
            window = (clock.at(spring, 3, 1), clock.at(spring, 6, 1))
            name = f"Spring promotion {spring}"
            assign("Installers", price_list(name, "EUR", "List EUR", minus("-7"), window), priority)
            promotions += window
        installers = price_list("Installers EUR", "EUR", "List EUR", minus("-5"))
        assign("Installers", installers, 3)
        for pk in self.popular[:200]:  # their own prices of what they buy most
            item = self.items[pk]
            entries.append(
                (installers, pk, item.min_qty, (item.price * minus("0.92")).quantize(CENT))
            )
        renewed, ended = clock.at(year, 1, 1), clock.at(year - 1, 1, 1)
        for customer in (c for c in self.customers if not c.demo):
            currency, unique = customer.currency, False
            if customer.group_id == groups["Installers"]:
                customer.boundaries += promotions
            r = rng.random()
            if r < 0.05:  # net prices of their own for what they buy
                pk = price_list(f"Net prices {customer.code}", currency)
                for product in customer.assortment[: rng.randint(40, 200)]:
                    base, min_qty = self._base(product, currency), self.items[product].min_qty
                    entries.append((pk, product, min_qty, _times(base, rng.uniform(0.86, 0.95))))
                    if rng.random() < 0.3:
                        entries.append((pk, product, min_qty * 25, _times(base, 0.82)))
                own.append((customer.id, pk, 1))
                unique = True
            elif r < 0.09:  # a rule list of their own, over a list of their currency
                parent = "Wholesale EUR" if currency == "EUR" else "List USD"
                name = f"{customer.name} {currency}"
                own.append(
                    (customer.id, price_list(name, currency, parent, -minus(rng.randint(2, 9))), 1)
                )
                unique = True
            if rng.random() < 0.22:  # a contract for last year, mostly renewed for this one
                products = customer.assortment[: rng.randint(20, 120)]
                terms = [(year - 1, ended, renewed, 1)]
                if rng.random() < 0.8:
                    terms.append((year, renewed, None, 1.03))
                for contract_year, start, end, rise in terms:
                    (contract,) = load.ids(Contract, 1)
                    code = f"{customer.code.upper()}-{contract_year}"
                    finish = clock.ts(end) if end is not None else None
                    contracts.append(
                        (contract, code, customer.id, currency, clock.ts(start), finish, "")
                    )
                    customer.boundaries += [t for t in (start, end) if t is not None]
                    for product in products:
                        base, min_qty = self._base(product, currency), self.items[product].min_qty
                        prices.append((contract, product, min_qty, _times(base, 0.88 * rise)))
                        if rng.random() < 0.4:
                            prices.append(
                                (contract, product, 10 * min_qty, _times(base, 0.84 * rise))
                            )
                unique = True
            if rng.random() < 0.12:
                lowest = rng.random() < 0.7
                strategies.append((customer.id, Strategy.LOWEST if lowest else Strategy.PRIORITY))
                unique = unique or lowest
            customer.boundaries = sorted(set(customer.boundaries))
            customer.profile = (
                ("own", customer.id)
                if unique
                else ("shared", currency, customer.exempt, customer.group_id)
            )
        load.copy(
            PriceList,
            "id name currency parent percent is_default valid_from valid_to note",
            new_lists,
        )
        load.numbered(PriceListEntry, "price_list product min_qty unit_price", entries)
        load.numbered(GroupPriceList, "group price_list priority", assigned)
        load.numbered(CompanyPriceList, "company price_list priority", own)
        load.copy(Contract, "id code company currency valid_from valid_to note", contracts)
        load.numbered(ContractPrice, "contract product min_qty unit_price", prices)
        load.numbered(CompanyPricing, "company strategy", strategies)
        # The engine's queries plan on statistics: the tables are new to them.
        self.conn.execute(
            "ANALYZE pricing_pricelist, pricing_pricelistentry, pricing_contract, "
            "pricing_contractprice, pricing_companypricelist, pricing_grouppricelist"
        )

    def _base(self, product: int, currency: str) -> Decimal:
        price = self.items[product].price
        return price if currency == "EUR" else price * Decimal("1.10")

    # -- orders -------------------------------------------------------------------------

    def plan_orders(self, total: int, acme_total: int, borealis_total: int) -> list[Plan]:
        """Who orders what, and when: more on weekdays, a little more every month."""
        rng, clock = self.rng, self.clock
        placed = Counter(
            Order.objects.filter(number__isnull=False).values_list("company__code", flat=True)
        )
        count = max(total - placed.total(), AT_LEAST_ORDERS)
        by_code = {c.code: c for c in self.customers}
        acme, borealis = by_code["acme"], by_code["borealis"]
        others = [c for c in self.customers if not c.demo]
        acme.orders = min(max(acme_total - placed["acme"], 0), count)
        borealis.orders = min(max(borealis_total - placed["borealis"], 0), count - acme.orders)
        weights = [rng.lognormvariate(0, 1.1) for _ in others]
        for customer in rng.choices(others, weights, k=count - acme.orders - borealis.orders):
            customer.orders += 1
        days = range(clock.today - HISTORY_DAYS, clock.today + 1)
        busy = accumulate(
            (1 + 0.6 * n / HISTORY_DAYS) * (1, 1, 1, 1, 1, 0.12, 0.03)[clock.dates[d].weekday()]
            for n, d in enumerate(days)
        )
        this_month = (clock.today - clock.dates[clock.today].day + 1) * DAY
        demo_buyer = self.users["acme.buyer"]
        demo_share = DEMO_BUYER_MONTHLY * HISTORY_DAYS / 30 / max(acme.orders, 1)
        plans = []
        for customer in self.customers:
            buyers = [m for m in customer.members if not (m.is_approver or m.is_admin)]
            demo = [m for m in buyers if m.user_id == demo_buyer]
            others_buying = [m for m in buyers if m.user_id != demo_buyer]
            for _ in range(customer.orders):
                moment = rng.choices(days, cum_weights=busy)[0] * DAY
                moment += rng.randrange(6 * HOUR, 17 * HOUR)
                moment = min(moment, clock.now - rng.randrange(60, 2 * HOUR))
                moment = max(moment, customer.since + DAY)
                buyer = rng.choice(others_buying or buyers)
                if demo and rng.random() < demo_share:
                    buyer = demo[0]
                    # acme.buyer's month is the demo's: a small order is approved at once.
                    if moment >= this_month:
                        moment -= rng.randrange(5, 60) * DAY
                size = rng.choices(
                    [1, 2, 3, 4, 5, 6, 8, 10, 14, 20], [26, 20, 15, 11, 8, 6, 5, 4, 3, 2]
                )[0]
                wanted = rng.choices(
                    customer.assortment, cum_weights=customer.cumulative, k=size + 3
                )
                lines = [
                    (pk, self.quantity(self.items[pk])) for pk in list(dict.fromkeys(wanted))[:size]
                ]
                plans.append(Plan(0, customer, buyer, moment, lines))
        plans.sort(key=lambda plan: plan.submitted)
        last, called = self.conn.execute(
            "SELECT last_value, is_called FROM orders_order_number_seq"
        ).fetchone()
        first = last + 1 if called else last
        for n, (plan, pk) in enumerate(zip(plans, self.load.ids(Order, len(plans)), strict=True)):
            plan.id, plan.number = pk, f"ORD-{first + n:06d}"
        self.last_order_number = first + len(plans) - 1
        return plans

    def quantity(self, item: Item) -> int:
        """What a buyer takes of one product: a hundred or two euros' worth, in round
        numbers of whole packs."""
        units = self.rng.lognormvariate(5.0, 1.0) / max(float(item.price), 0.5)
        units = NICE[min(bisect.bisect_left(NICE, units), len(NICE) - 1)]
        quantity = max(item.min_qty, item.increment * max(1, round(units / item.increment)))
        return min(quantity, item.max_qty) if item.max_qty else quantity

    def price(self, plans: list[Plan]) -> None:
        """Price every line with the engine, as on the day of its order: once per set of
        price sources and period in which they stay the same."""
        wanted: dict[tuple, set] = defaultdict(set)
        stand_in: dict[tuple, Customer] = {}
        for plan in plans:
            customer = plan.customer
            key = (customer.profile, bisect.bisect_right(customer.boundaries, plan.submitted))
            wanted[key].update(plan.lines)
            stand_in.setdefault(key, customer)
        companies = Company.objects.in_bulk([c.id for c in stand_in.values()])
        self.products = Product.objects.in_bulk(
            {pk for lines in wanted.values() for pk, _ in lines}
        )
        prices = {}
        for key, pairs in wanted.items():
            customer, epoch = stand_in[key], key[1]
            at = self.clock.datetime(customer.boundaries[epoch - 1] if epoch else 0)
            pairs = sorted(pairs)
            lines = [(self.products[pk], quantity) for pk, quantity in pairs]
            quoted = quote(company=companies[customer.id], lines=lines, at=at)
            for pair, line in zip(pairs, quoted.lines, strict=True):
                if line.errors:
                    raise RuntimeError(f"{customer.code}: {line.errors}")
                prices[key, pair] = (
                    line.unit_price,
                    line.line_total,
                    line.tax,
                    line.source,
                    line.explanation,
                )
        for plan in plans:
            customer = plan.customer
            key = (customer.profile, bisect.bisect_right(customer.boundaries, plan.submitted))
            plan.priced = [prices[key, pair] for pair in plan.lines]
            self.total(plan)

    @staticmethod
    def total(plan: Plan) -> None:
        plan.subtotal = sum((p[1] for p in plan.priced), Decimal("0.00"))
        plan.tax_total = sum((p[2] for p in plan.priced), Decimal("0.00"))

    def budgets(self, plans: list[Plan]) -> None:
        """A monthly budget that most months of its buyer fit in (some buyers have one)."""
        spent: dict[int, Counter] = defaultdict(Counter)
        for plan in plans:
            when = self.clock.dates[plan.submitted // DAY]
            spent[plan.buyer.user_id][when.year, when.month] += plan.subtotal
        for customer in self.customers:
            for member in customer.members:
                if member.budgeted:
                    months = sorted(spent[member.user_id].values()) or [Decimal(1500)]
                    member.budget = nice(float(months[int(len(months) * 0.85)]))
        self.write_people()

    def requirements(self, plans: list[Plan], acme_waiting: int) -> None:
        """What each order needed at submission, and what its deciders will do with it;
        the latest of Acme's that need approval wait in its queue."""
        rng = self.rng
        spent: Counter = Counter()
        for buyer, submitted, subtotal in Order.objects.filter(
            status__in=(S.PENDING_APPROVAL, S.APPROVED, S.SHIPPED)
        ).values_list("buyer_id", "submitted_at", "subtotal"):
            spent[buyer, submitted.year, submitted.month] += subtotal
        for plan in plans:
            when = self.clock.dates[plan.submitted // DAY]
            month = (plan.buyer.user_id, when.year, when.month)
            plan.requirement = _requirement(plan, spent[month])
            # Submitting refuses an order nobody may approve: its buyer splits it.
            while not _meetable(plan) and len(plan.lines) > 1:
                plan.lines.pop()
                plan.priced.pop()
                self.total(plan)
                plan.requirement = _requirement(plan, spent[month])
            if not _meetable(plan):
                raise RuntimeError(f"nobody at {plan.customer.code} may approve {plan.number}")
            if plan.requirement[0]:
                r = rng.random()
                plan.outcome = (
                    "reject" if r < 0.03 else "changes" if r < 0.06 else "cancel" if r < 0.075
                    else "approve"
                )  # fmt: skip
            if plan.outcome in ("approve", "changes"):
                spent[month] += plan.subtotal
        waiting = Order.objects.filter(company__code="acme", status=S.PENDING_APPROVAL).count()
        latest = [p for p in reversed(plans) if p.customer.code == "acme" and p.requirement[0]]
        for plan in latest[: max(acme_waiting - waiting, 0)]:
            plan.waits, plan.outcome = True, "approve"

    def stories(self, plans: list[Plan]) -> None:
        """Every order through the states ``approvals.workflow`` moves it, up to now."""
        self.orders, self.events, self.approvals, self.requirement_rows = [], [], [], []
        requirement_ids = iter(self.load.ids(ApprovalRequirement, len(plans)))
        po_numbers: Counter = Counter()
        for plan in plans:
            Story(self, plan, next(requirement_ids), po_numbers).tell()

    def write_orders(self, plans: list[Plan]) -> None:
        load, clock = self.load, self.clock
        load.copy(
            Order,
            "id number company buyer status currency version checkout_token po_number ship_to "
            "ship_to_text requested_delivery_date note subtotal tax_total total created_at "
            "updated_at submitted_at reserved_in",
            self.orders,
        )
        load.numbered(
            OrderLine,
            "order product quantity position sku name unit_price line_total tax_rate tax "
            "price_source price_explanation",
            [
                (plan.id, pk, quantity, position, product.sku, product.name, unit, total,
                 Decimal("0.00") if plan.customer.exempt else product.tax_rate, tax, source,
                 explanation)
                for plan in plans
                for position, ((pk, quantity), (unit, total, tax, source, explanation))
                in enumerate(zip(plan.lines, plan.priced, strict=True), start=1)
                for product in (self.products[pk],)
            ],
        )  # fmt: skip
        self.events.sort(key=lambda row: row[0])
        load.numbered(
            OrderEvent,
            "order actor kind from_status to_status comment order_version created_at",
            [(*row[1:], clock.ts(row[0][0])) for row in self.events],
        )
        load.copy(
            ApprovalRequirement,
            "id order approvals_required last_by_company_admin net_total budget "
            "budget_spent_before reasons order_version created_at",
            self.requirement_rows,
        )
        self.approvals.sort(key=lambda row: row[0])
        load.numbered(
            Approval,
            "order approver order_version with_authority completed_order created_at voided_at "
            "void_reason",
            [row[1:] for row in self.approvals],
        )
        del self.orders, self.events, self.approvals, self.requirement_rows

    # -- invoices -----------------------------------------------------------------------

    def write_invoices(self) -> None:
        """The invoice of every shipped order and the credit note of every credited one,
        numbered per series and year in the order they were issued, and the payments
        received up to now."""
        clock, load = self.clock, self.load
        documents = []  # (time, tie, kind, plan, issued by, credit)
        for t, tie, plan, staff, credit in self.shipped:
            documents.append((t, tie, DocumentKind.INVOICE, plan, staff, credit))
            if credit is not None:
                documents.append(
                    (credit[0], self.tie(), DocumentKind.CREDIT_NOTE, plan, credit[1], credit)
                )
        documents.sort(key=lambda d: (d[0], d[1]))
        counters = {(c.series, c.year): c.last for c in DocumentCounter.objects.all()}
        seller = json.dumps(settings.SELLER)
        rows, lines, taxes, payments, attempts, invoice_of = [], [], [], [], [], {}
        ids = load.ids(Invoice, len(documents))
        for pk, (t, _tie, kind, plan, by, credit) in zip(ids, documents, strict=True):
            customer, day = plan.customer, t // DAY
            key = (SERIES[kind], clock.dates[day].year)
            counters[key] = counters.get(key, 0) + 1
            number = f"{key[0]}-{key[1]}-{counters[key]:05d}"
            bases: dict[Decimal, Decimal] = defaultdict(Decimal)
            priced_lines = zip(plan.lines, plan.priced, strict=True)
            for position, ((product_id, quantity), priced) in enumerate(priced_lines, start=1):
                product = self.products[product_id]
                rate = Decimal("0.00") if customer.exempt else product.tax_rate
                bases[rate] += priced[1]
                lines.append(
                    (pk, position, product.sku, product.name, quantity, priced[0], rate, priced[1])
                )
            # As invoice_issue: the tax of each rate on its net sum (EN 16931).
            tax_of = {r: quantize(b * r / HUNDRED, customer.currency) for r, b in bases.items()}
            taxes.extend(
                (pk, rate, bases[rate], tax) for rate, tax in sorted(tax_of.items(), reverse=True)
            )
            subtotal, tax_total = sum(bases.values()), sum(tax_of.values())
            total = subtotal + tax_total
            terms, corrects, reason = customer.terms, None, ""
            if kind == DocumentKind.CREDIT_NOTE:
                status, terms = InvoiceStatus.ISSUED, 0
                corrects, reason = invoice_of[plan.id], credit[2]
            elif credit is not None:
                status = InvoiceStatus.VOID
            else:
                paid = self.payments(pk, number, plan, t, total, payments, attempts)
                status = InvoiceStatus.PAID if paid >= total else InvoiceStatus.OPEN
            invoice_of[plan.id] = pk
            rows.append((
                pk, number, kind, status, plan.id, customer.id, corrects, reason,
                customer.currency, clock.day(day), clock.day(day + terms), plan.number,
                plan.po_number, seller, customer.buyer_json, customer.method, terms, subtotal,
                tax_total, total, by, clock.ts(t), "", "", None,
            ))  # fmt: skip
        load.copy(
            Invoice,
            "id number kind status order company corrects reason currency issued_on due_on "
            "order_number po_number seller buyer payment_method payment_terms_days subtotal "
            "tax_total total issued_by issued_at pdf pdf_sha256 pdf_rendered_at",
            rows,
        )
        load.numbered(
            InvoiceLine, "invoice position sku name quantity unit_price tax_rate line_total", lines
        )
        load.numbered(InvoiceTax, "invoice rate basis tax", taxes)
        payments.sort(key=lambda row: row[0])
        load.numbered(
            Payment,
            "invoice kind stripe_payment_intent amount reference received_on recorded_by "
            "recorded_at",
            [row[1:] for row in payments],
        )
        attempts.sort(key=lambda row: row[0])
        load.numbered(
            CardAttempt,
            "invoice attempt payment_intent client_secret amount currency status error "
            "started_by created_at updated_at",
            [row[1:] for row in attempts],
        )
        for (series, year), last in counters.items():
            DocumentCounter.objects.update_or_create(
                series=series, year=year, defaults={"last": last}
            )
        self.shipped = []

    def payments(self, pk, number, plan, issued, total, payments, attempts) -> Decimal:
        """What an invoice received by now (its rows appended): card customers pay within
        days, sometimes on a second try; the others around the due date, late payers later
        or, now and then, not at all."""
        rng, clock, now = self.rng, self.clock, self.clock.now
        customer = plan.customer
        if customer.method == PaymentMethod.CARD:
            t = clock.working(issued + rng.randrange(HOUR, 3 * DAY))
            for attempt in (1, 2):
                if t > now:
                    break
                intent = f"pi_3{rng.getrandbits(96):024x}"
                failed = attempt == 1 and rng.random() < 0.08
                status = CardAttemptStatus.FAILED if failed else CardAttemptStatus.SUCCEEDED
                error = "The card was declined: Your card has insufficient funds." if failed else ""
                secret = f"{intent}_secret_{rng.getrandbits(64):016x}"
                attempts.append((t, pk, attempt, intent, secret, total, customer.currency,
                                 status, error, plan.buyer.user_id, clock.ts(t),
                                 clock.ts(t + 20)))  # fmt: skip
                if not failed:
                    payments.append((t + 30, pk, PaymentKind.CARD, intent, total, intent,
                                     clock.date(t), None, clock.ts(t + 30)))  # fmt: skip
                    return total
                t = clock.working(t + rng.randrange(HOUR, 2 * DAY))
            return Decimal(0)
        due = issued + customer.terms * DAY
        if rng.random() >= customer.late_payer:
            paid = due - rng.randrange(-3 * DAY, 10 * DAY)
        elif rng.random() < 0.05:
            return Decimal(0)  # never: the far end of the aging report
        else:
            paid = due + rng.randrange(5 * DAY, 60 * DAY)
        paid = clock.working(max(paid, issued + DAY))
        parts = [total]
        if rng.random() < 0.05:  # in two instalments
            first = (total * Decimal(rng.uniform(0.4, 0.7))).quantize(CENT)
            parts = [first, total - first] if CENT <= first < total else parts
        received, finance = Decimal(0), rng.choice(self.finance)
        for part in parts:
            if paid > now:
                break
            reference = rng.choice(
                [
                    f"Transfer {plan.po_number or number}",
                    f"SEPA {number}",
                    f"Remittance {plan.number}",
                ]
            )
            recorded = min(clock.working(paid + rng.randrange(HOUR, DAY)), now)
            payments.append((recorded, pk, PaymentKind.BANK_TRANSFER, "", part, reference,
                             clock.date(paid), finance, clock.ts(recorded)))  # fmt: skip
            received += part
            paid = clock.working(paid + rng.randrange(7 * DAY, 30 * DAY))
        return received

    # -- stock --------------------------------------------------------------------------

    def write_stock(self, total: int) -> None:
        """Deliveries and stock counts around the orders' reservations, releases and
        shipments: every reservation finds its units, every level is the sum of its
        movements, and there are ``total`` movements, counting those there were."""
        clock, load = self.clock, self.load
        there = StockMovement.objects.count()
        fixed = there + sum(map(len, self.stock_ops.values())) + len(self.new_levels)
        # Deliveries take most of what is left and stock counts the rest: their number
        # is only known once the deliveries have kept up with the orders.
        deliveries = max(total - fixed, 0) * 2.2
        activity = {
            level: sum(op[2] == MovementKind.RESERVATION for op in ops)
            for level, ops in self.stock_ops.items()
        }
        busy = sum(activity.values()) or 1
        moves, timelines = [], {}
        for level in self.level_state:
            ops = sorted(self.stock_ops.get(level, ()))
            if ops or level in self.new_levels:
                demand = sum(op[3] for op in ops if op[2] == MovementKind.RESERVATION)
                lot = max(
                    10,
                    math.ceil(demand / max(1, round(deliveries * activity.get(level, 0) / busy))),
                )
                timelines[level] = self.history(level, ops, lot, moves)
        left = total - there - len(moves)
        if left < 0:
            print(f"  {-left:,} movements more than asked: the orders alone need them")
        moves += self.stock_counts(timelines, left)
        moves.sort(key=lambda move: (move[0], move[1]))
        state = {level: values[:2] for level, values in self.level_state.items()}
        moved = {}

        def rows():
            for pk, (t, _, level, kind, on_hand, reserved, order, user, reason) in zip(
                ids, moves, strict=True
            ):
                after = state[level]
                after[0] += on_hand
                after[1] += reserved
                if not after[0] >= after[1] >= 0:
                    raise RuntimeError(f"stock level {level} would be {after} after a {kind}")
                moved[level] = t
                yield (pk, level, kind, on_hand, reserved, *after, reason, order, user, clock.ts(t))

        ids = load.ids(StockMovement, len(moves))
        load.copy(
            StockMovement,
            "id stock kind on_hand_change reserved_change on_hand_after reserved_after reason "
            "order user created_at",
            rows(),
        )
        load.copy(
            StockLevel,
            "id warehouse product on_hand reserved reorder_point updated_at",
            (
                (
                    level,
                    *new,
                    *state[level],
                    self.level_state[level][2],
                    clock.ts(moved.get(level, clock.now)),
                )
                for level, new in self.new_levels.items()
            ),
        )
        changed = [level for level in moved if level not in self.new_levels]
        self.conn.execute(
            """
            UPDATE inventory_stocklevel AS s
               SET on_hand = c.on_hand, reserved = c.reserved, updated_at = now()
              FROM unnest(%s::bigint[], %s::int[], %s::int[]) AS c(id, on_hand, reserved)
             WHERE s.id = c.id
            """,
            [
                changed,
                [state[level][0] for level in changed],
                [state[level][1] for level in changed],
            ],
        )

    def history(self, level: int, ops: list, lot: int, moves: list) -> tuple[list, list]:
        """One level's movements, appended to ``moves``: the orders' and the deliveries that
        keep up with them, ``lot`` units at a time. Returns each movement's key and what was
        available after it, for the stock counts to go between them."""
        rng, clock = self.rng, self.clock
        on_hand, reserved, point = self.level_state[level]
        keys, available = [(-1, 0)], [on_hand - reserved]
        staff = self.staff[self.level_warehouse[level]]

        def receive(key, amount, reason, by=None):
            nonlocal on_hand
            on_hand += amount
            moves.append((*key, level, MovementKind.RECEIPT, amount, 0, None, by, reason))
            keys.append(key)
            available.append(on_hand - reserved)

        if level in self.new_levels:
            point = self.level_state[level][2] = max(5, min(400, lot // 3))
            if rng.random() > 0.03:  # the others start empty, out of stock until a delivery
                receive((rng.randrange(0, 25 * DAY), 0), lot + point, "Opening stock")
        delivery = None
        for t, tie, kind, quantity, order, user, reason in ops:
            if delivery is not None and delivery < (t, tie):
                receive(delivery, lot, "Delivery from supplier", rng.choice(staff))
                delivery = None
            if kind == MovementKind.RESERVATION:
                short = quantity - (on_hand - reserved)
                if short > 0:
                    last = keys[-1]
                    early = max(last[0], t - rng.randrange(HOUR, 2 * DAY))
                    key = (early, last[1] + 0.5) if early == last[0] else (early, 0)
                    receive(key, short + lot, "Urgent delivery from supplier", rng.choice(staff))
                reserved += quantity
                change = (0, quantity)
            elif kind == MovementKind.RELEASE:
                reserved -= quantity
                change = (0, -quantity)
            elif kind == MovementKind.SHIPMENT:
                on_hand -= quantity
                reserved -= quantity
                change = (-quantity, -quantity)
                if delivery is None and on_hand - reserved <= point:
                    due = clock.working(t + rng.randrange(2 * DAY, 8 * DAY))
                    delivery = (due, 0) if due <= clock.now else None
            else:  # goods returned after a credited shipment
                on_hand += quantity
                change = (quantity, 0)
            moves.append((t, tie, level, kind, *change, order, user, reason))
            keys.append((t, tie))
            available.append(on_hand - reserved)
        if delivery is not None:
            receive(delivery, lot, "Delivery from supplier", rng.choice(staff))
        return keys, available

    def stock_counts(self, timelines: dict, count: int) -> list:
        """``count`` adjustments from stock counts, each where it leaves every later movement
        of its level valid: a loss only where what is available never drops below it."""
        rng, counts = self.rng, []
        if count <= 0 or not timelines:
            return counts
        levels = list(timelines)
        busy = accumulate(len(timelines[level][0]) for level in levels)
        for level in rng.choices(levels, cum_weights=busy, k=count):
            keys, available = timelines[level]
            gap = rng.randint(2 if level in self.new_levels and len(keys) > 1 else 1, len(keys))
            lowest = min(available[gap - 1 :])
            if rng.random() < 0.75 and lowest >= 1:
                change, reason = -rng.randint(1, min(3, lowest)), rng.choice(LOSSES)
            else:
                change, reason = rng.randint(1, 3), "Found during stock count"
            before = keys[gap - 1]
            after = keys[gap] if gap < len(keys) else (self.clock.now, 0)
            t = rng.randint(max(before[0], 0), max(after[0], before[0], 0))
            if t == before[0] == after[0]:
                key = (t, (before[1] + after[1]) / 2)
            elif t == before[0]:
                key = (t, before[1] + 0.25)
            else:
                key = (t, after[1] - 0.25 if t == after[0] else 0)
            keys.insert(gap, key)
            available.insert(gap, available[gap - 1] + change)
            for i in range(gap + 1, len(available)):
                available[i] += change
            by = rng.choice(self.staff[self.level_warehouse[level]])
            counts.append((*key, level, MovementKind.ADJUSTMENT, change, 0, None, by, reason))
        return counts

    # -- bookkeeping --------------------------------------------------------------------

    def line_counts(self) -> None:
        """Each order's number of lines, as the lines' triggers (off here) keep it."""
        self.conn.execute(
            "INSERT INTO orders_linecount (order_id, lines)"
            " SELECT order_id, count(*) FROM orders_orderline GROUP BY order_id"
            " ON CONFLICT (order_id) DO UPDATE SET lines = EXCLUDED.lines"
        )

    def baseline(self) -> None:
        """Start the audit trail of the rows written here as migration audit 0002 starts it
        for rows older than the trail: one ``baseline`` event each (every stock level: the
        orders moved the demo's too)."""
        from pghistory.models import Event

        for event in apps.get_models():
            fields = {f.name: f for f in event._meta.local_concrete_fields}
            if not issubclass(event, Event) or "pgh_obj" not in fields:
                continue  # the events of user groups have no object to start from
            tracked = fields["pgh_obj"].related_model._meta.concrete_model
            if tracked not in self.load.first and tracked is not StockLevel:
                continue
            columns = ", ".join(
                f'"{f.column}"' for n, f in fields.items() if not n.startswith("pgh_")
            )
            where = "" if tracked is StockLevel else f"WHERE id >= {self.load.first[tracked]:d}"
            # Names come from the models, the label is a parameter.
            self.conn.execute(
                f'INSERT INTO "{event._meta.db_table}" '  # noqa: S608  # nosec B608
                f"(pgh_created_at, pgh_label, pgh_obj_id, {columns}) "
                f'SELECT now(), %s, id, {columns} FROM "{tracked._meta.db_table}" {where}',
                ["baseline"],
            )

    def indexes_off(self) -> list[str]:
        """Drop the secondary indexes of the tables the orders fill, and return what builds
        them again: one sorted build is far cheaper than a million inserts into each. The
        unique ones among them check every row when they are built again."""
        from pghistory.models import Event

        models = [Order, OrderLine, OrderEvent, ApprovalRequirement, Approval, Invoice,
                  InvoiceLine, InvoiceTax, Payment, CardAttempt, StockMovement]  # fmt: skip
        models += [m for m in apps.get_models() if issubclass(m, Event)]
        found = self.conn.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
              FROM pg_index AS i
             WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
               AND NOT EXISTS (SELECT FROM pg_constraint AS c WHERE c.conindid = i.indexrelid)
            """,
            [[m._meta.db_table for m in models]],
        ).fetchall()
        for name, _ in found:
            self.conn.execute(f"DROP INDEX {name}")
        return [definition for _, definition in found]

    def indexes_on(self, definitions: list[str]) -> None:
        self.conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for definition in definitions:
            self.conn.execute(definition)

    def sequences(self) -> None:
        """Keys and order numbers go on after the last one written."""
        for statement in connection.ops.sequence_reset_sql(
            no_style(), [*self.load.counts, StockLevel]
        ):
            self.conn.execute(statement)
        self.conn.execute("SELECT setval('orders_order_number_seq', %s)", [self.last_order_number])


class Story:
    """One order's life, written as ``approvals.workflow`` writes it: each transition bumps
    the version, adds a timeline event and moves the order's stock."""

    def __init__(self, bulk: Bulk, plan: Plan, requirement_id: int, po_numbers: Counter):
        self.bulk, self.plan, self.rng, self.clock = bulk, plan, bulk.rng, bulk.clock
        self.requirement = [requirement_id]
        self.status, self.version = S.DRAFT, 2  # a new cart, then one add
        self.last = plan.submitted
        self.standing: list[list] = []
        customer = plan.customer
        self.warehouse = customer.warehouse
        self.deciders = [
            m for m in customer.members if (m.is_approver or m.is_admin) and m is not plan.buyer
        ]
        if self.rng.random() < 0.7:
            po_numbers[customer.id] += 1
            year = self.clock.dates[plan.submitted // DAY].year
            plan.po_number = f"PO-{year}-{po_numbers[customer.id]:04d}"

    def tell(self) -> None:
        plan, rng, clock = self.plan, self.rng, self.clock
        customer = plan.customer
        created = max(customer.since, plan.submitted - rng.randrange(300, 2 * DAY))
        self.token = uuid.UUID(int=rng.getrandbits(128), version=4)
        self.submit(plan.submitted)
        if self.status == S.PENDING_APPROVAL:
            self.decide(plan.submitted)
        if self.status == S.APPROVED:
            self.fulfil(self.last)
        ship_to, ship_to_text = rng.choice(customer.shipping)
        wanted = None
        if rng.random() < 0.3:
            wanted = clock.day(plan.submitted // DAY + rng.randint(3, 21))
        note = (
            rng.choice(["Deliver to gate 3, please.", "Call before delivery."])
            if rng.random() < 0.05
            else ""
        )
        self.bulk.orders.append((
            plan.id, plan.number, customer.id, plan.buyer.user_id, self.status, customer.currency,
            self.version, self.token, plan.po_number, ship_to, ship_to_text, wanted, note,
            plan.subtotal, plan.tax_total, plan.subtotal + plan.tax_total, clock.ts(created),
            clock.ts(self.last), clock.ts(self.submitted), self.bulk.warehouses[self.warehouse],
        ))  # fmt: skip

    def move(self, t: int, action: str, actor: int, target: str, comment: str = "") -> None:
        self.version += 1
        self.note(t, action, actor, comment, self.status, target)
        self.status = target

    def note(self, t, kind, actor, comment="", source="", target="") -> None:
        row = (
            (t, self.bulk.tie()),
            self.plan.id,
            actor,
            kind,
            source,
            target,
            comment,
            self.version,
        )
        self.bulk.events.append(row)
        self.last = max(self.last, t)

    def stock(self, t: int, kind: str, actor: int) -> None:
        """Reserve, release or ship every line, as ``inventory.services`` does for the
        workflow, and note it on the timeline as ``_move_stock`` does."""
        bulk, plan = self.bulk, self.plan
        for pk, quantity in plan.lines:
            level = bulk.levels[self.warehouse, pk]
            bulk.stock_ops[level].append((t, bulk.tie(), kind, quantity, plan.id, actor, ""))
        lines, units = len(plan.lines), sum(quantity for _, quantity in plan.lines)
        said = f"{lines} line{'s' if lines != 1 else ''}, {units} unit{'s' if units != 1 else ''}"
        if kind == MovementKind.RESERVATION:
            self.note(t, Kind.STOCK_RESERVED, actor, f"{said} in {self.warehouse}")
        elif kind == MovementKind.RELEASE:
            self.note(t, Kind.STOCK_RELEASED, actor, f"{said} back to {self.warehouse}")

    def submit(self, t: int) -> None:
        plan = self.plan
        approvals, admin_last, reasons, budget, spent = plan.requirement
        if len(self.requirement) == 1:
            row = [plan.id, approvals, admin_last, plan.subtotal, budget, spent,
                   json.dumps(reasons), self.version + 1, self.clock.ts(t)]  # fmt: skip
            self.requirement += row
            self.bulk.requirement_rows.append(self.requirement)
        else:  # submitted again: update_or_create keeps the row and when it was made
            self.requirement[8] = self.version + 1
        self.submitted = t
        self.move(t, "submit", plan.buyer.user_id, S.PENDING_APPROVAL if approvals else S.APPROVED)
        self.stock(t, MovementKind.RESERVATION, plan.buyer.user_id)

    def later(self, t: int, median_hours: float) -> int:
        return self.clock.working(
            t + int(self.rng.lognormvariate(math.log(median_hours), 1.0) * HOUR)
        )

    def decide(self, t: int) -> None:
        plan, rng, clock, now = self.plan, self.rng, self.clock, self.clock.now
        when = self.later(t, 5)
        if plan.customer.code == "acme" and not plan.waits and when > now:
            when = t + int((now - t) * rng.random())  # Acme's queue holds the ones picked
        self.remind(t, now if plan.waits else min(when, now))
        if plan.waits or when > now:
            if plan.requirement[0] > 1 and rng.random() < 0.5:
                self.approve(min(when, t + int((now - t) * rng.random())), final=False)
            return
        decider, buyer = rng.choice(self.deciders).user_id, plan.buyer.user_id
        if plan.outcome == "approve":
            self.approve(when, final=True)
        elif plan.outcome == "reject":
            self.move(when, "reject", decider, S.REJECTED, rng.choice(REJECTIONS))
            self.stock(when, MovementKind.RELEASE, decider)
        elif plan.outcome == "cancel":
            self.move(when, "cancel", buyer, S.CANCELLED)
            self.stock(when, MovementKind.RELEASE, buyer)
        else:  # sent back for changes: approvals void, a new checkout, the stock back
            self.move(when, "request_changes", decider, S.DRAFT, rng.choice(CHANGES))
            for approval in self.standing:
                approval[7:9] = clock.ts(when), "changes requested"
            self.standing = []
            self.token = uuid.UUID(int=rng.getrandbits(128), version=4)
            self.stock(when, MovementKind.RELEASE, decider)
            again = self.later(when, 20)
            if again > now:
                return
            if rng.random() < 0.6:
                plan.outcome = "approve"
                self.submit(again)
                if self.status == S.PENDING_APPROVAL:
                    self.decide(again)
            else:
                self.move(again, "cancel", buyer, S.CANCELLED)

    def remind(self, t: int, until: int) -> None:
        """Approvers are reminded after two working days waiting, then every working day."""
        moment, waited = self.clock.add_working_days(t, 2), 2
        while moment < until and waited < 7:
            self.note(
                moment, Kind.REMINDER, None, f"Approvers reminded after {waited} working days."
            )
            moment, waited = self.clock.add_working_days(moment, 1), waited + 1

    def approve(self, when: int, *, final: bool) -> None:
        """The approvals that complete the order, or (not ``final``) the first of two. The
        last comes from someone who may give it (``approvals.policy.would_complete``)."""
        plan, rng = self.plan, self.rng
        needed, given = plan.requirement[0], []
        while len(given) < needed:
            left = [m for m in self.deciders if m not in given]
            last = len(given) + 1 == needed
            if last and not any(_may_give_last(m, plan) for m in given):
                left = [m for m in left if _may_give_last(m, plan)]
            else:  # approvers come first; their admin has the last word
                left = [m for m in left if not m.is_admin] or left
            approver = rng.choice(left)
            authority = _may_give_last(approver, plan)
            completes = last and (authority or any(_may_give_last(m, plan) for m in given))
            row = [(when, self.bulk.tie()), plan.id, approver.user_id, self.version, authority,
                   completes, self.clock.ts(when), None, ""]  # fmt: skip
            self.bulk.approvals.append(row)
            self.standing.append(row)
            self.move(
                when, "approve", approver.user_id, S.APPROVED if completes else S.PENDING_APPROVAL
            )
            given.append(approver)
            when = self.later(when, 4)
            if not final or (when > self.clock.now and not completes):
                return

    def fulfil(self, t: int) -> None:
        """Shipped a day or so after approval, invoiced as it ships; a few cancelled before,
        a few credited after (the goods come back into stock)."""
        bulk, plan, rng, clock, now = self.bulk, self.plan, self.rng, self.clock, self.clock.now
        if rng.random() < 0.01:
            when = t + rng.randrange(HOUR, DAY)
            if when <= now:
                self.move(when, "cancel", plan.buyer.user_id, S.CANCELLED)
                self.stock(when, MovementKind.RELEASE, plan.buyer.user_id)
            return
        shipped = self.later(t, 16)
        if shipped > now:
            return  # on the warehouse's pick list
        staff = rng.choice(bulk.staff[self.warehouse])
        self.move(shipped, "ship", staff, S.SHIPPED)
        self.stock(shipped, MovementKind.SHIPMENT, staff)
        credit = None
        credited = clock.working(shipped + rng.randrange(DAY, 10 * DAY))
        if rng.random() < 0.004 and credited <= now:
            credit = (credited, rng.choice(bulk.finance), "Goods returned: wrong item delivered.")
            self.move(credited, "cancel_shipped", credit[1], S.CANCELLED, credit[2])
            back = clock.working(credited + rng.randrange(DAY, 5 * DAY))
            returned = plan.lines if back <= now else []
            for pk, quantity in returned:
                level = bulk.levels[self.warehouse, pk]
                receipt = (MovementKind.RECEIPT, quantity, None, staff, f"Returned: {plan.number}")
                bulk.stock_ops[level].append((back, bulk.tie(), *receipt))
        bulk.shipped.append((shipped, bulk.tie(), plan, staff, credit))


# -- rules the generator follows without asking the database each time -------------------


def _requirement(plan: Plan, spent: Decimal) -> tuple:
    """``approvals.policy.requirement_for``, in its words, from the thresholds known here:
    (approvals, last by a company admin, reasons, budget, spent before)."""
    customer, net, budget = plan.customer, plan.subtotal, plan.buyer.budget
    currency = customer.currency
    approvals, admin_last, reasons = 0, False, []
    below = [t for t in customer.thresholds if t[0] < net]
    if below:
        above, approvals, admin_last = below[-1]
        reasons.append(
            f"Net total {format_money(net, currency)} is above {format_money(above, currency)}: "
            f"{approvals} approval{'s' if approvals != 1 else ''}"
            + (", the last by a company admin." if admin_last else ".")
        )
    if budget is not None and spent + net > budget:
        approvals = max(approvals, 1)
        reasons.append(
            f"Takes the buyer's month to {format_money(spent + net, currency)} "
            f"of a {format_money(budget, currency)} budget."
        )
    if not reasons:
        reasons.append("Within the company's approval-free amount and the buyer's budget.")
    return approvals, admin_last, reasons, budget, spent


def _may_give_last(member: Member, plan: Plan) -> bool:
    """``approvals.policy.may_give_last``: a company admin's approval may always complete an
    order, an approver's only within their limit and where no admin must be last."""
    if member.is_admin:
        return True
    if plan.requirement[1]:
        return False
    return member.limit is None or plan.subtotal <= member.limit


def _meetable(plan: Plan) -> bool:
    """``approvals.policy.unmeetable`` finds nothing against the order."""
    needed = plan.requirement[0]
    if not needed:
        return True
    deciders = [
        m for m in plan.customer.members if (m.is_approver or m.is_admin) and m is not plan.buyer
    ]
    return len(deciders) >= needed and any(_may_give_last(m, plan) for m in deciders)


def _times(price: Decimal, factor: float) -> Decimal:
    return (price * Decimal(str(round(factor, 4)))).quantize(CENT)


def _buyer_json(name: str, vat_id: str, address) -> str:
    """The buyer of an invoice as ``invoice_issue`` snapshots it."""
    snapshot = {"name": name, "vat_id": vat_id}
    for part in ("line1", "line2", "postal_code", "city", "country"):
        value = address.get(part, "") if isinstance(address, dict) else getattr(address, part, "")
        snapshot[part] = value or ""
    return json.dumps(snapshot)


def _address_text(address: Address) -> str:
    return _text(
        address.label, address.line1, address.line2, address.postal_code, address.city,
        address.country,
    )  # fmt: skip


def _text(label, line1, line2, postal_code, city, country) -> str:
    """An address as ``order_submit`` keeps it on the order."""
    return "\n".join(p for p in (label, line1, line2, f"{postal_code} {city}", country) if p)


# -- the run ---------------------------------------------------------------------------


def generate(scale: float, report) -> None:
    """Everything after the demo, in one transaction with the session's triggers off."""
    with transaction.atomic():
        conn = connection.connection
        conn.execute("SET LOCAL session_replication_role = replica")
        clock = Clock(timezone.now(), HISTORY_DAYS + 30)
        bulk = Bulk(conn=conn, rng=random.Random(2026), clock=clock)  # nosec B311 (not secret)
        report("catalog", bulk.catalog, scaled(PRODUCTS, scale))
        report("stock levels", bulk.open_levels)
        report("companies and people", bulk.companies, scaled(COMPANIES, scale))
        report("price lists, contracts", bulk.pricing)
        totals = scaled(ORDERS, scale), scaled(ACME_ORDERS, scale), scaled(BOREALIS_ORDERS, scale)
        plans = report("orders planned", bulk.plan_orders, *totals)
        rebuild = report("indexes set aside", bulk.indexes_off)
        report("orders priced (engine)", bulk.price, plans)
        report("budgets, people written", bulk.budgets, plans)
        report("approval requirements", bulk.requirements, plans, scaled(ACME_PENDING, scale))
        report("order histories", bulk.stories, plans)
        report("orders written", bulk.write_orders, plans)
        report("line counts", bulk.line_counts)
        report("invoices and payments", bulk.write_invoices)
        report("stock movements", bulk.write_stock, scaled(MOVEMENTS, scale))
        report("audit trail baseline", bulk.baseline)
        report("indexes built again", bulk.indexes_on, rebuild)
        report("keys and counters", bulk.sequences)
        name = connection.ops.quote_name(connection.settings_dict["NAME"])
        today = clock.dates[clock.today].isoformat()
        conn.execute(f"COMMENT ON DATABASE {name} IS '{DONE} scale {scale:g}, {today}'")


def server(settings_dict: dict) -> psycopg.Connection:
    """A connection to the server's maintenance database, to create and drop databases."""
    params = {key.lower(): settings_dict[key] for key in ("HOST", "PORT", "USER", "PASSWORD")}
    return psycopg.connect(
        dbname="postgres", autocommit=True, **{k: v for k, v in params.items() if v}
    )


def counts() -> list[tuple[str, int]]:
    found = [
        (str(model._meta.verbose_name_plural), model.objects.count())
        for model in (Product, Category, Company, User, Membership, Address, PriceList,
                      PriceListEntry, Contract, ContractPrice, Order, OrderLine, OrderEvent,
                      Approval, Invoice, InvoiceLine, Payment, StockLevel, StockMovement)
    ]  # fmt: skip
    acme = Order.objects.filter(company__code="acme", number__isnull=False)
    shipped = Order.objects.filter(status=S.SHIPPED).count()
    return [
        *found,
        ("  Acme's orders", acme.count()),
        ("  Acme's waiting for approval", acme.filter(status=S.PENDING_APPROVAL).count()),
        ("  orders shipped (one invoice each)", shipped),
        ("  credit notes", Invoice.objects.filter(kind=DocumentKind.CREDIT_NOTE).count()),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="bench_large", help="default: bench_large")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 100,000 orders")
    parser.add_argument(
        "--keep", action="store_true", help="keep the database if it exists (do not drop it)"
    )
    args = parser.parse_args()
    name, scale = args.database, args.scale
    if not 0 < scale <= 10:
        parser.error("--scale is above 0 and at most 10")
    configured = connection.settings_dict
    test_name = configured["TEST"].get("NAME") or f"test_{configured['NAME']}"
    if name in {configured["NAME"], test_name, "postgres", "template0", "template1"}:
        parser.error(f"{name!r} is the developer's, the tests' or the server's own database")
    started = time.perf_counter()
    with server(configured) as admin:
        superuser = "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        if not admin.execute(superuser).fetchone()[0]:
            raise SystemExit("Writing with the triggers off takes a superuser of the server.")
        quoted = connection.ops.quote_name(name)
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not args.keep:
            try:
                admin.execute(f"DROP DATABASE {quoted}")
            except psycopg.errors.ObjectInUse:
                raise SystemExit(f"{name} is in use: stop what uses it, then retry.") from None
        if not exists or not args.keep:
            admin.execute(f"CREATE DATABASE {quoted}")
        (comment,) = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()
    # From here on Django works in the new database; the configured one is never opened.
    connection.close()
    configured["NAME"] = name
    print(f"database {name}, scale {scale:g}", flush=True)
    took: Counter = Counter()

    def report(label, action, *args):
        began = time.perf_counter()
        result = action(*args)
        took[label] += time.perf_counter() - began
        print(f"{label:<32} {took[label]:6.1f} s", flush=True)
        return result

    report("migrate", lambda: call_command("migrate", verbosity=0, interactive=False))
    if comment and comment.startswith(DONE):
        print(f"kept: {comment}")
    else:
        per_category = max(1, min(400, (scaled(PRODUCTS, scale) - len(NAMED)) // len(CATEGORIES)))
        demo = {"products_per_category": per_category, "stdout": io.StringIO()}
        report("demo (seed_demo)", lambda: call_command("seed_demo", **demo))
        began = time.perf_counter()
        generate(scale, lambda label, *a: report(f"  {label}", *a))
        print(f"{'generated rows':<32} {time.perf_counter() - began:6.1f} s", flush=True)
        with connection.cursor() as cursor:
            report("vacuum analyze", cursor.execute, "VACUUM (ANALYZE)")
    report("check_stock_ledger", call_command, "check_stock_ledger")
    print(f"{'total':<32} {time.perf_counter() - started:6.1f} s\n")
    for label, count in counts():
        print(f"{label:<36} {count:>10,}")


if __name__ == "__main__":
    main()
