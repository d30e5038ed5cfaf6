"""Every list page and every dashboard costs the same number of queries however many rows
it shows.

Each page is read with a few rows, then with three times as many, all made through the
real services; the two readings must cost the same, and each stays under a ceiling so that
a page that starts to cost more shows here too. Each page is read once before it is
counted, as a person who has been using the portal would: the session and the content
types are then cached.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from approvals.services import order_approve
from inventory.models import StockLevel, Warehouse
from inventory.services import stock_adjust, stock_receive, stock_receive_many
from portal.accounts.services import MemberRoles, member_invite
from portal.catalog.models import Category, Product
from portal.invoices.models import Invoice, InvoiceStatus, PaymentIssue
from portal.invoices.services import invoice_credit, payment_record
from portal.orders.models import Order
from portal.orders.services import cart_add_many, cart_get_or_create
from tests.approvals.conftest import ABOUT_200, AROUND_3000, AROUND_7000
from tests.invoices.conftest import approved, shipped
from tests.invoices.test_card_payments import card_paid
from tests.invoices.test_webhooks import SUCCEEDED, WEBHOOK, intent_of, signed_event
from tests.ordering import place, user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

N = 3  # rows at first; then three times as many
HTMX_RESULTS = {"HX-Request": "true", "HX-Target": "catalog-results"}
# A page already cached: the session, then the data versions, read with the user's
# company's orders version and cart count.
CACHED_PAGE = 2


# -- reading a page and counting its queries ----------------------------------------------


@dataclass
class Reading:
    response: object
    sql: list[str] = field(default_factory=list)

    @property
    def queries(self) -> int:
        return len(self.sql)

    @property
    def context(self):
        return self.response.context


@pytest.fixture
def read(django_assert_max_num_queries):
    """``read(client, url, at_most=12)``: the page (a 200 unless ``status`` says otherwise)
    and the SQL it ran, which must be ``at_most`` queries."""

    def reading(client: Client, url: str, *, at_most: int, status=200, data=None, **headers):
        with django_assert_max_num_queries(at_most) as queries:
            if data is None:
                response = client.get(url, headers=headers)
            else:
                response = client.post(url, data, headers=headers)
        assert response.status_code == status, response.content.decode()[:2000]
        return Reading(response, [query["sql"] for query in queries.captured_queries])

    return reading


def shape(sql: str) -> str:
    """A query with its values taken out, so that the same query for two rows is one."""
    return re.sub(r"\b\d+\b|'[^']*'", "?", sql)


def grown(few: Reading, many: Reading) -> str:
    """The queries the second reading ran more (or fewer) times than the first."""
    before, after = Counter(map(shape, few.sql)), Counter(map(shape, many.sql))
    changed = [
        f"{before[query]} -> {after[query]}: {query[:300]}"
        for query in sorted(set(before) | set(after))
        if before[query] != after[query]
    ]
    return f"{few.queries} queries, then {many.queries}:\n" + "\n".join(changed)


def assert_same_cost(few: Reading, many: Reading) -> None:
    assert many.queries == few.queries, grown(few, many)


def signed_in(username: str, *warm: str, **headers) -> Client:
    """A client of ``username`` that has read the pages ``warm`` once already."""
    client = Client()
    client.force_login(user(username))
    for url in warm:
        client.get(url, headers=headers)
    return client


def table_rows(reading: Reading) -> int:
    """The rows the page's list (its last table) shows, read from its HTML: a cached list
    has no table in its context."""
    html = reading.response.content.decode()
    start = html.rindex("<tbody")
    body = html[start : html.index("</tbody>", start)]
    return body.count("<tr")


# -- rows, made through the services --------------------------------------------------------


def orders_of(usernames: tuple[str, ...], count: int) -> list[Order]:
    """``count`` small orders (214.20, approved on submission), placed in turn by each of
    ``usernames``."""
    return [place(usernames[n % len(usernames)], ABOUT_200) for n in range(count)]


def well_stocked(count: int, *, skip: int = 0) -> list[tuple[str, int]]:
    """``count`` lines of products NORTH holds plenty of, each at its smallest quantity
    (none of the demo's four named products, which the orders here buy by the box)."""
    levels = (
        StockLevel.objects.filter(
            warehouse__code="NORTH", available__gte=500, product__is_active=True
        )
        .exclude(product__sku__in=("BOLT-M8-50", "NUT-M8", "DRILL-18V", "GLOVE-L"))
        .select_related("product")
        .order_by("product__sku")[skip : skip + count]
    )
    lines = [(level.product.sku, level.product.min_qty) for level in levels]
    assert len(lines) == count
    return lines


def new_products(count: int, *, prefix: str = "QC") -> list[Product]:
    """``count`` products of a new category, stocked in NORTH (as a receipt would open
    them) but on no price list: the warehouse's view of them."""
    category, _ = Category.objects.get_or_create(slug="query-count", defaults={"name": "QC"})
    start = Product.objects.filter(sku__startswith=f"{prefix}-").count()
    products = Product.objects.bulk_create(
        Product(sku=f"{prefix}-{n:04d}", name=f"Counted item {n}", category=category)
        for n in range(start + 1, start + count + 1)
    )
    stock_receive_many(
        warehouse=Warehouse.objects.get(code="NORTH"),
        items=[(product.pk, 10 * (n + 1), 15) for n, product in enumerate(products)],
        reason="Delivery",
        by=user("warehouse.north"),
    )
    return products


def partly_paid(invoice: Invoice, payments: int) -> None:
    for n in range(payments):
        payment_record(
            invoice=invoice,
            by=user("finance"),
            amount=Decimal("1.00"),
            reference=f"Bank {n}",
            received_on=timezone.localdate() - timedelta(days=n),
        )


def invoiced(buyers: tuple[str, ...], count: int) -> None:
    """``count`` invoices of orders of ``buyers`` in turn: one in three paid in part, one
    in three voided by a credit note (a document of its own)."""
    for n in range(count):
        invoice = shipped(buyers[n % len(buyers)])
        if n % 3 == 1:
            partly_paid(invoice, 1)
        elif n % 3 == 2:
            invoice_credit(invoice=invoice, by=user("finance"), reason="Sent twice")


# -- the catalog --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "query", "headers", "at_most"),
    [
        # read afresh; with the two that find when prices next change by the clock
        pytest.param("acme.buyer", "", {}, 17, id="at-a-buyers-prices"),
        pytest.param("acme.buyer", "sort=price&", {}, 18, id="sorted-by-price"),
        pytest.param("acme.buyer", "", HTMX_RESULTS, 15, id="htmx-results"),
        pytest.param("admin", "", {}, 9, id="operator"),
    ],
)
def test_the_catalog_costs_the_same_for_10_or_50_products(read, username, query, headers, at_most):
    # given the catalog at 10 products a page (the client has read another page of it)
    few_url, many_url = f"/catalog/?{query}per_page=10", f"/catalog/?{query}per_page=50"
    client = signed_in(username, f"/catalog/?{query}per_page=25", **headers)
    few = read(client, few_url, at_most=at_most, **headers)

    # when a page holds five times as many, each priced and with its availability
    many = read(client, many_url, at_most=at_most, **headers)

    # then it shows them all for the same queries
    assert (table_rows(few), table_rows(many)) == (10, 50)
    assert_same_cost(few, many)

    # and read again, nothing having changed, each comes from the cache, at a fixed cost
    again_few = read(client, few_url, at_most=CACHED_PAGE, **headers)
    again_many = read(client, many_url, at_most=CACHED_PAGE, **headers)
    assert (table_rows(again_few), table_rows(again_many)) == (10, 50)
    assert_same_cost(again_few, again_many)


# -- ordering -------------------------------------------------------------------------------------


def test_the_cart_costs_the_same_for_3_or_9_lines(read):
    # given acme.buyer's cart of three lines
    buyer = user("acme.buyer")
    cart = cart_get_or_create(buyer=buyer, company=buyer.membership.company)
    products = [Product.objects.get(sku=sku) for sku, _ in well_stocked(3 * N)]
    cart_add_many(cart=cart, items=[(p, p.min_qty) for p in products[:N]], by=buyer)
    client = signed_in("acme.buyer", "/cart/")
    cache.clear()  # the user and the cart's candidate prices read afresh, both times
    few = read(client, "/cart/", at_most=19)

    # when it holds nine
    cart_add_many(cart=cart, items=[(p, p.min_qty) for p in products[N:]], by=buyer)
    cache.clear()
    many = read(client, "/cart/", at_most=19)

    # then the page prices and shows them all for the same queries
    assert (len(few.context["rows"]), len(many.context["rows"])) == (N, 3 * N)
    assert_same_cost(few, many)

    # and read again, the candidate prices come from the cache, not from six queries
    again = read(client, "/cart/", at_most=13)
    assert again.queries <= many.queries - 6


def test_a_quantity_changed_in_its_line_costs_the_same_for_3_or_9_lines(read):
    # given acme.buyer's cart of three lines, as its page showed them
    buyer = user("acme.buyer")
    cart = cart_get_or_create(buyer=buyer, company=buyer.membership.company)
    products = [Product.objects.get(sku=sku) for sku, _ in well_stocked(3 * N)]
    cart_add_many(cart=cart, items=[(p, p.min_qty) for p in products[:N]], by=buyer)
    client = signed_in("acme.buyer", "/cart/")
    line = cart.lines.select_related("product").order_by("position", "pk").first()
    url = f"/cart/lines/{line.pk}/"
    in_its_line = {"HX-Request": "true", "HX-Target": f"line-{line.pk}"}
    more = line.product.min_qty + line.product.increment
    few = read(client, url, at_most=10, data={"quantity": more}, **in_its_line)

    # when it holds nine, and its page has shown them
    cart_add_many(cart=cart, items=[(p, p.min_qty) for p in products[N:]], by=buyer)
    client.get("/cart/")
    many = read(client, url, at_most=10, data={"quantity": line.product.min_qty}, **in_its_line)

    # then changing a quantity costs the same: the line and the totals, repriced
    assert (few.response.status_code, many.response.status_code) == (200, 200)
    assert_same_cost(few, many)


def test_a_quick_order_costs_the_same_for_3_or_9_lines(read):
    # given acme.buyer has a cart, and pastes three products and three unknown SKUs
    buyer = user("acme.buyer")
    cart = cart_get_or_create(buyer=buyer, company=buyer.membership.company)
    cart_add_many(cart=cart, items=[(Product.objects.get(sku="NUT-M8"), 1)], by=buyer)
    lines = well_stocked(4 * N)
    client = signed_in("acme.buyer", "/cart/quick-order/")

    def paste(known, unknown: int) -> dict:
        typed = [f"{sku}, {quantity}" for sku, quantity in known]
        return {"lines": "\n".join(typed + [f"QC-NONE-{n}, 1" for n in range(unknown)])}

    few = read(client, "/cart/quick-order/", at_most=16, status=400, data=paste(lines[:N], N))

    # when they paste nine of each (other products, so that each becomes a new line)
    many = read(client, "/cart/quick-order/", at_most=16, status=400, data=paste(lines[N:], 3 * N))

    # then every product is added and every unknown SKU shown, for the same queries
    shown = [
        (len(reading.context["result"].valid), len(reading.context["result"].invalid))
        for reading in (few, many)
    ]
    assert shown == [(N, N), (3 * N, 3 * N)]
    assert_same_cost(few, many)


@pytest.mark.parametrize(
    ("username", "buyers", "at_most"),
    [
        pytest.param("acme.buyer", ("acme.buyer",), 10, id="acme.buyer"),
        pytest.param("acme.admin", ("acme.buyer", "acme.manager"), 11, id="acme.admin"),
    ],
)
def test_the_order_list_costs_the_same_for_3_or_9_orders(read, username, buyers, at_most):
    # given three orders the user sees, listed once the user is read afresh
    orders_of(buyers, N)
    client = signed_in(username, "/orders/")
    cache.clear()
    few = read(client, "/orders/", at_most=at_most)

    # when there are nine
    orders_of(buyers, 2 * N)
    cache.clear()
    many = read(client, "/orders/", at_most=at_most)

    # then all are listed for the same queries
    assert (table_rows(few), table_rows(many)) == (N, 3 * N)
    assert_same_cost(few, many)

    # and, until an order changes, listed again from the cache
    again = read(client, "/orders/", at_most=CACHED_PAGE)
    assert table_rows(again) == 3 * N


@pytest.mark.parametrize(
    ("username", "at_most"),
    [
        pytest.param("acme.buyer", 15, id="acme.buyer"),
        pytest.param("acme.admin", 17, id="acme.admin"),
    ],
)
def test_an_order_costs_the_same_for_3_or_9_lines(read, username, at_most):
    # given two orders of the 6,916.00 basket and one or seven more lines: each approved by
    # acme.manager and waiting for a company admin's approval
    few_order, many_order = (
        place("acme.buyer", [*AROUND_7000, *extra])
        for extra in (well_stocked(N - 2), well_stocked(3 * N - 2, skip=N))
    )
    for order in (few_order, many_order):
        order_approve(order=order, by=user("acme.manager"), expected_version=order.version)
    client = signed_in(username, f"/orders/{few_order.number}/")
    few = read(client, f"/orders/{few_order.number}/", at_most=at_most)

    # when the order read has three times as many lines
    many = read(client, f"/orders/{many_order.number}/", at_most=at_most)

    # then the page shows them all for the same queries
    lines = [len(reading.context["order"].lines.all()) for reading in (few, many)]
    assert lines == [N, 3 * N]
    assert_same_cost(few, many)


@pytest.mark.parametrize(
    ("username", "decided"),
    [
        # 2,984.80 orders of acme.buyer and acme.admin: acme.manager's approval completes each
        pytest.param("acme.manager", False, id="acme.manager"),
        # 6,916.00 orders acme.manager has approved: each waits for a company admin
        pytest.param("acme.admin", True, id="acme.admin"),
    ],
)
def test_the_approval_queue_costs_the_same_for_3_or_9_orders(read, username, decided):
    def waiting(count: int) -> None:
        for n in range(count):
            if decided:
                order = place("acme.buyer", AROUND_7000)
                order_approve(order=order, by=user("acme.manager"), expected_version=order.version)
            else:
                place(("acme.buyer", "acme.admin")[n % 2], AROUND_3000)

    # given three orders waiting for the user's decision
    waiting(N)
    client = signed_in(username, "/approvals/")
    few = read(client, "/approvals/", at_most=10)

    # when nine are waiting
    waiting(2 * N)
    many = read(client, "/approvals/", at_most=10)

    # then the queue lists them all, each with its form, for the same queries
    assert (len(few.context["rows"]), len(many.context["rows"])) == (N, 3 * N)
    assert_same_cost(few, many)


# -- the warehouse --------------------------------------------------------------------------------


def test_the_stock_table_costs_the_same_for_3_or_9_levels(read):
    # given three new products received in NORTH
    new_products(N)
    url = "/inventory/?q=QC-"
    client = signed_in("warehouse.north", url)
    cache.clear()  # the picks waiting in the navigation are counted afresh, as after a change
    few = read(client, url, at_most=8)

    # when nine have been received
    new_products(2 * N)
    cache.clear()
    many = read(client, url, at_most=8)

    # then the table shows them all for the same queries
    assert (table_rows(few), table_rows(many)) == (N, 3 * N)
    assert_same_cost(few, many)


def test_the_pick_lists_cost_the_same_for_3_or_9_orders(read):
    def to_pick(count: int) -> None:
        for n in range(count):
            approved("acme.buyer", [("NUT-M8", 1 + n), ("BOLT-M8-50", 1), ("GLOVE-L", 12)])

    # given three approved orders of three lines waiting in NORTH
    to_pick(N)
    client = signed_in("warehouse.north", "/inventory/picking/")
    few = read(client, "/inventory/picking/", at_most=7)

    # when nine are waiting
    to_pick(2 * N)
    many = read(client, "/inventory/picking/", at_most=7)

    # then every pick list is on the page for the same queries
    picks = [len(reading.context["page"].object_list) for reading in (few, many)]
    assert picks == [N, 3 * N]
    assert_same_cost(few, many)


def test_a_pick_list_costs_the_same_for_3_or_9_lines(read):
    # given approved orders of three and of nine lines
    few_order = approved("acme.buyer", well_stocked(N))
    many_order = approved("acme.buyer", well_stocked(3 * N, skip=N))
    client = signed_in("warehouse.north", f"/inventory/picking/{few_order.number}/")
    few = read(client, f"/inventory/picking/{few_order.number}/", at_most=8)

    # when the pick list read has three times as many lines
    many = read(client, f"/inventory/picking/{many_order.number}/", at_most=8)

    # then it shows them all for the same queries
    lines = [len(reading.context["order"].lines.all()) for reading in (few, many)]
    assert lines == [N, 3 * N]
    assert_same_cost(few, many)


def test_a_products_movements_cost_the_same_for_3_or_9_of_each(read):
    north, nuts = Warehouse.objects.get(code="NORTH"), Product.objects.get(sku="NUT-M8")

    def moved(count: int) -> None:
        """A receipt and an order's reservation, ``count`` times."""
        for n in range(count):
            stock_receive(
                product=nuts,
                warehouse=north,
                quantity=10,
                reason=f"Delivery {n}",
                by=user("warehouse.north"),
            )
            approved("acme.buyer", [("NUT-M8", 1)])

    # given three receipts and three orders that reserved NUT-M8 in NORTH
    moved(N)
    url = "/inventory/NORTH/NUT-M8/"
    client = signed_in("warehouse.north", url)
    cache.clear()  # the picks waiting in the navigation are counted afresh, as after a change
    few = read(client, url, at_most=12)

    # when there are nine of each
    moved(2 * N)
    cache.clear()
    many = read(client, url, at_most=12)

    # then the history shows them all (and the opening stock) for the same queries
    history = [len(reading.context["history"].object_list) for reading in (few, many)]
    assert history == [2 * N + 1, 6 * N + 1]
    assert_same_cost(few, many)


# -- invoices -------------------------------------------------------------------------------------


# Cached, an invoice list costs what any cached page does (CACHED_PAGE), and finance's
# the card payments needing attention, which are counted afresh.
@pytest.mark.parametrize(
    ("username", "buyers", "at_most", "cached"),
    [
        pytest.param("finance", ("acme.buyer", "borealis.buyer"), 9, CACHED_PAGE + 1, id="finance"),
        pytest.param("acme.admin", ("acme.buyer", "acme.manager"), 9, CACHED_PAGE, id="acme.admin"),
        pytest.param("acme.buyer", ("acme.buyer",), 8, CACHED_PAGE, id="acme.buyer"),
    ],
)
def test_the_invoice_list_costs_the_same_for_3_or_9_invoices(
    read, username, buyers, at_most, cached
):
    # given three invoices the user sees, one paid in part and one credited
    invoiced(buyers, N)
    client = signed_in(username, "/invoices/?status=paid")  # other totals than the list's
    cache.clear()  # the user and the approvals waiting (acme.admin's) read afresh, both times
    few = read(client, "/invoices/", at_most=at_most)
    again_few = read(client, "/invoices/", at_most=cached)

    # when there are nine
    invoiced(buyers, 2 * N)
    cache.clear()
    many = read(client, "/invoices/", at_most=at_most)

    # then every invoice and credit note is listed, with the totals, for the same queries
    assert (table_rows(few), table_rows(many)) == (N + N // 3, 3 * N + N)
    assert_same_cost(few, many)

    # and read again, nothing having changed, the page comes from the cache, at a fixed cost
    again_many = read(client, "/invoices/", at_most=cached)
    assert (table_rows(again_few), table_rows(again_many)) == (table_rows(few), table_rows(many))
    assert again_many.response.content.count(b'data-testid="open-total"') == len(
        many.response.context["totals"]
    )
    assert_same_cost(again_few, again_many)


@pytest.mark.parametrize(
    ("username", "at_most"),
    [pytest.param("finance", 12, id="finance"), pytest.param("acme.buyer", 16, id="acme.buyer")],
)
def test_an_invoice_costs_the_same_for_3_or_9_lines_and_payments(read, username, at_most):
    # given invoices of three lines and three payments, and of nine of each
    few_invoice = shipped("acme.buyer", well_stocked(N))
    many_invoice = shipped("acme.buyer", well_stocked(3 * N, skip=N))
    partly_paid(few_invoice, N)
    partly_paid(many_invoice, 3 * N)
    client = signed_in(username, f"/invoices/{few_invoice.number}/")
    few = read(client, f"/invoices/{few_invoice.number}/", at_most=at_most)

    # when the invoice read has three times as many
    many = read(client, f"/invoices/{many_invoice.number}/", at_most=at_most)

    # then the page shows them all for the same queries
    shown = [
        (len(reading.context["lines"]), len(reading.context["payments"])) for reading in (few, many)
    ]
    assert shown == [(N, N), (3 * N, 3 * N)]
    assert_same_cost(few, many)


def test_the_aging_report_costs_the_same_for_3_or_9_invoices(read):
    # given three open invoices, issued at different times
    def owed(count: int) -> None:
        for n in range(count):
            buyer = ("acme.buyer", "borealis.buyer")[n % 2]
            shipped(buyer, issued_on=timezone.localdate() - timedelta(days=25 * n))

    owed(N)
    client = signed_in("finance", "/finance/aging/")
    cache.clear()  # the report is cached until an invoice changes: read it afresh
    few = read(client, "/finance/aging/", at_most=5)

    # when nine are owed
    owed(2 * N)
    cache.clear()
    many = read(client, "/finance/aging/", at_most=5)

    # then the report adds them all up for the same queries
    assert Invoice.objects.filter(status=InvoiceStatus.OPEN).count() == 3 * N
    assert [len(reading.context["aging"].rows) for reading in (few, many)] == [2, 2]
    assert_same_cost(few, many)


def test_the_card_payments_needing_attention_cost_the_same_for_3_or_9(read, localstripe):
    # given borealis.buyer paid an invoice by card
    intent = intent_of(card_paid(shipped("borealis.buyer")))
    stripe = Client()

    def reported(count: int) -> None:
        """Stripe reports ``count`` payments the portal did not ask for: by turns of an
        intent it never made, and of the card payment above with another amount."""
        start = PaymentIssue.objects.count()
        for n in range(start, start + count):
            if n % 2:
                odd = {**intent, "amount": intent["amount"] - n, "amount_received": None}
            else:
                odd = {**intent, "id": f"pi_unknown_{n}"}
            event = signed_event(SUCCEEDED, odd, event_id=f"evt_odd_{n}")
            assert stripe.post(WEBHOOK, **event).json()["result"].startswith("needs attention")

    # and three payments for finance to look at
    reported(N)
    client = signed_in("finance", "/finance/attention/")
    few = read(client, "/finance/attention/", at_most=5)

    # when there are nine
    reported(2 * N)
    many = read(client, "/finance/attention/", at_most=5)

    # then the list shows them all, with their invoices, for the same queries
    assert [len(reading.context["issues"]) for reading in (few, many)] == [N, 3 * N]
    assert_same_cost(few, many)


# -- company admins and operators -----------------------------------------------------------------


def test_the_company_users_cost_the_same_for_3_or_9_more_colleagues(read):
    admin = user("acme.admin")

    def invited(count: int) -> None:
        start = admin.membership.company.memberships.count()
        for n in range(start, start + count):
            member_invite(
                company=admin.membership.company,
                username=f"colleague{n}",
                email=f"colleague{n}@acme.example",
                roles=MemberRoles(is_buyer=True, monthly_budget=Decimal(1000 + n)),
                by=admin,
            )

    # given acme.admin has invited three colleagues
    invited(N)
    client = signed_in("acme.admin", "/company/users/")
    # Inviting writes users, so the signed-in user is read afresh after it: both times.
    cache.clear()
    few = read(client, "/company/users/", at_most=10)

    # when nine have been invited
    invited(2 * N)
    cache.clear()
    many = read(client, "/company/users/", at_most=10)

    # then all are listed (with acme.buyer, acme.manager and acme.admin) for the same queries
    members = [len(reading.context["members"]) for reading in (few, many)]
    assert members == [N + 3, 3 * N + 3]
    assert_same_cost(few, many)


AUDITED_KINDS = ("order", "order_line", "approval")


@pytest.mark.parametrize(
    ("username", "at_most"),
    [pytest.param("acme.admin", 15, id="acme.admin"), pytest.param("admin", 10, id="operator")],
)
def test_the_audit_trail_costs_the_same_for_3_or_9_orders(read, username, at_most):
    """Each kind of event on a page costs its own few queries (see ``audit_rows``), so the
    pages compared hold one kind each: the orders', their lines' and their approvals'."""

    def ordered(count: int) -> None:
        for _ in range(count):
            order = place("acme.buyer", AROUND_3000)
            order_approve(order=order, by=user("acme.manager"), expected_version=order.version)

    # given three orders placed and approved
    ordered(N)
    urls = [f"/audit/?kind={kind}" for kind in AUDITED_KINDS]
    client = signed_in(username, *urls)
    cache.clear()  # the approvals waiting (acme.admin's) are counted afresh, both times
    few = {url: read(client, url, at_most=at_most) for url in urls}

    # when there have been nine
    ordered(2 * N)
    cache.clear()
    many = {url: read(client, url, at_most=at_most) for url in urls}

    # then their events fill more of each page for the same queries
    for url in urls:
        assert table_rows(many[url]) > table_rows(few[url]), url
        assert_same_cost(few[url], many[url])


# -- the dashboards -------------------------------------------------------------------------------

# Read afresh (nothing cached): session, the data versions, the user, then the panels.
DASHBOARDS = {
    "acme.buyer": 6,
    "acme.manager": 8,
    "acme.admin": 9,
    "warehouse.north": 8,
    "finance": 9,
    "admin": 3,
}


def business(count: int) -> None:
    """``count`` of everything the dashboards show: orders waiting for approval, approved,
    decided and shipped; invoices paid in part, in euros and dollars; stock running low."""
    manager = user("acme.manager")
    for _ in range(count):
        place("acme.buyer", AROUND_3000)
        decided = place("acme.buyer", AROUND_3000)
        order_approve(order=decided, by=manager, expected_version=decided.version)
        place("acme.manager", ABOUT_200)
        partly_paid(shipped("acme.buyer", issued_on=timezone.localdate() - timedelta(days=40)), 1)
        partly_paid(shipped("borealis.buyer"), 1)
        # the first product NORTH still holds plenty of runs out
        sku, _ = well_stocked(1)[0]
        level = StockLevel.objects.get(warehouse__code="NORTH", product__sku=sku)
        stock_adjust(
            product=level.product,
            warehouse=level.warehouse,
            change=level.reserved - level.on_hand,
            reason="Counted",
            by=user("warehouse.north"),
        )


def test_every_dashboard_costs_the_same_with_three_times_the_business(read):
    # given a little of everything, and each persona's dashboard read once
    business(1)
    clients = {username: signed_in(username, "/") for username in DASHBOARDS}
    cache.clear()  # the sums the dashboards cache are read afresh, as after a change
    few = {
        username: read(client, "/", at_most=DASHBOARDS[username])
        for username, client in clients.items()
    }

    # when there is three times as much
    business(2)
    cache.clear()
    many = {
        username: read(client, "/", at_most=DASHBOARDS[username])
        for username, client in clients.items()
    }

    # then each dashboard shows more for the same queries
    board = {username: reading.context["board"] for username, reading in many.items()}
    assert len(board["acme.buyer"].buyer.recent) == 5
    assert board["acme.manager"].approver.waiting == 3
    assert board["acme.admin"].company.spend is not None
    assert board["warehouse.north"].warehouse.today.picks_count == 6
    assert board["finance"].finance.today.overdue_count == 3
    grew = {
        username: grown(few[username], many[username])
        for username in DASHBOARDS
        if many[username].queries != few[username].queries
    }
    assert grew == {}
