"""Cached results are never older than the data they show, and never someone else's.

The catalog's results, the product page's price and the invoice list's rows and totals are
cached under the version of the data behind them (``portal.versions``): PostgreSQL moves it
on every write to a table behind them, whoever writes and however.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.models import CompanyWarehouse
from inventory.services import stock_receive
from portal import fragments, versions
from portal.accounts.models import Company, Membership
from portal.accounts.services import membership_set
from portal.catalog.models import Category, Product
from portal.invoices.models import Invoice, InvoiceStatus
from portal.invoices.services import payment_record
from portal.orders.models import Order
from portal.orders.services import cart_add_many, cart_get_or_create
from pricing.currencies import format_money
from pricing.engine import quote
from pricing.models import Contract, ContractPrice, PriceList, PriceListEntry
from pricing.selectors import next_validity_change
from tests.approvals.conftest import ABOUT_200, AROUND_3000
from tests.invoices.conftest import shipped
from tests.ordering import place

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

SKU = "DRILL-18V"
ROW_URL = f"/catalog/?q={SKU}"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def signed_in(username: str, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(get_user_model().objects.get(username=username))
    return client


def shown_price(html: str) -> str:
    match = re.search(r'data-testid="row-price">([^<]*)<', html) or re.search(
        r'data-testid="unit-price">([^<]*)<', html
    )
    assert match, "no price on the page"
    return match.group(1)


def pay_ten(invoice, *, yesterday: bool = False) -> None:
    """Finance records 10.00 received against ``invoice``, today or yesterday."""
    payment_record(
        invoice=invoice,
        by=get_user_model().objects.get(username="finance"),
        amount=Decimal("10.00"),
        reference="Bank",
        received_on=timezone.localdate() - timedelta(days=1 if yesterday else 0),
    )


def price_now(company_code: str) -> str:
    """What the pricing engine says the company pays for one ``SKU`` now."""
    company = Company.objects.get(code=company_code)
    product = Product.objects.get(sku=SKU)
    line = quote(company=company, lines=[(product, product.min_qty)]).lines[0]
    return format_money(line.unit_price, line.currency)


def test_every_table_behind_cached_data_has_both_triggers():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgargs, t.tgdeferrable FROM pg_trigger t"
            " JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid"
            " WHERE p.proname = 'portal_version_bump'"
        )
        # (table, the sequence it moves, whether at commit)
        found = {
            (table, bytes(args).split(b"\0")[0].decode(), at_commit)
            for table, args, at_commit in cursor.fetchall()
        }
    for kind, tables in versions.TABLES.items():
        for table in tables:
            assert (table, versions.sequence_of(kind), False) in found, (kind, table)
            assert (table, versions.sequence_of(kind), True) in found, (kind, table)


def test_a_write_moves_the_version_when_it_runs_and_again_at_commit():
    # given the catalog's version now
    (before,) = versions.current(versions.CATALOG)

    # when a category is renamed by a bulk update, which sends no signal
    Category.objects.filter(pk=Category.objects.first().pk).update(name="Renamed")

    # then the version has moved at once, for this transaction and every other
    (moved,) = versions.current(versions.CATALOG)
    assert moved > before

    # and moves again when the transaction commits (its deferred triggers run)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert versions.current(versions.CATALOG)[0] > moved


def test_a_reading_request_reads_every_version_once_in_one_query():
    # given a block that reads, as a GET request does
    with CaptureQueriesContext(connection) as queries, versions.read_once():
        # when the user's version and then the catalog's and invoices' are asked for
        (users,) = versions.current(versions.USERS)
        catalog, invoices = versions.current(versions.CATALOG, versions.INVOICES)

    # then one query read them all, and each is what the database holds
    assert len(queries) == 1
    assert (users, catalog, invoices) == (
        versions.current(versions.USERS)[0],
        *versions.current(versions.CATALOG, versions.INVOICES),
    )


def test_the_catalog_shows_a_price_changed_behind_its_back():
    # given acme.buyer has seen the drill's price, which is now cached
    client = signed_in("acme.buyer")
    first = shown_price(client.get(ROW_URL).content.decode())
    assert first == price_now("acme")

    # when every price of the drill doubles in one bulk update (no signal, no service)
    PriceListEntry.objects.filter(product__sku=SKU).update(unit_price=F("unit_price") * 2)
    ContractPrice.objects.filter(product__sku=SKU).update(unit_price=F("unit_price") * 2)

    # then the catalog row and the product page show the new price at once
    assert price_now("acme") != first
    assert shown_price(client.get(ROW_URL).content.decode()) == price_now("acme")
    assert shown_price(client.get(f"/catalog/{SKU}/").content.decode()) == price_now("acme")


def test_the_cart_prices_its_lines_at_a_price_changed_behind_its_back():
    # given acme.buyer has the drill in the cart, priced once (its candidates now cached)
    client = signed_in("acme.buyer")
    buyer = get_user_model().objects.get(username="acme.buyer")
    cart = cart_get_or_create(buyer=buyer, company=buyer.membership.company)
    drill = Product.objects.get(sku=SKU)
    cart_add_many(cart=cart, items=[(drill, drill.min_qty)], by=buyer)
    first = cart_unit_price(client.get("/cart/").content.decode())
    assert first == price_now("acme")

    # when every price of the drill doubles in one bulk update
    PriceListEntry.objects.filter(product__sku=SKU).update(unit_price=F("unit_price") * 2)
    ContractPrice.objects.filter(product__sku=SKU).update(unit_price=F("unit_price") * 2)

    # then the cart prices the line at the new price at once
    assert price_now("acme") != first
    assert cart_unit_price(client.get("/cart/").content.decode()) == price_now("acme")


def cart_unit_price(html: str) -> str:
    match = re.search(r'data-testid="line-unit-price">([^<]*)<', html)
    assert match, "no line price in the cart"
    return match.group(1).strip()


def test_the_product_page_shows_stock_received_at_once():
    # given acme.buyer has seen how many drills are available
    client = signed_in("acme.buyer")
    url = f"/catalog/{SKU}/"
    before = re.search(r"(\d+) available to order now", client.get(url).content.decode())

    # when the warehouse that supplies Acme receives seven more
    warehouse = CompanyWarehouse.objects.get(company__code="acme").warehouse
    stock_receive(
        product=Product.objects.get(sku=SKU),
        warehouse=warehouse,
        quantity=7,
        reason="Delivery",
        by=get_user_model().objects.get(username="warehouse.north"),
    )

    # then the page counts them
    after = re.search(r"(\d+) available to order now", client.get(url).content.decode())
    assert int(after.group(1)) == int(before.group(1)) + 7


def test_a_cart_line_shows_stock_received_at_once():
    # given acme.buyer's cart holds one box of bolts more than the warehouse has, as its
    # line says
    client = signed_in("acme.buyer")
    buyer = get_user_model().objects.get(username="acme.buyer")
    cart = cart_get_or_create(buyer=buyer, company=buyer.membership.company)
    bolts = Product.objects.get(sku="BOLT-M8-50")
    warehouse = CompanyWarehouse.objects.get(company__code="acme").warehouse
    available = bolts.stock.get(warehouse=warehouse).available
    (line,) = cart_add_many(cart=cart, items=[(bolts, available + 1)], by=buyer).lines
    assert f"Only {available} available now" in client.get("/cart/").content.decode()

    # when the warehouse receives one more
    stock_receive(
        product=bolts,
        warehouse=warehouse,
        quantity=1,
        reason="Delivery",
        by=get_user_model().objects.get(username="warehouse.north"),
    )

    # then the line changed in place, and the cart, say it is covered
    in_place = {"HX-Request": "true", "HX-Target": f"line-{line.pk}"}
    changed = client.post(f"/cart/lines/{line.pk}/", {"quantity": line.quantity}, headers=in_place)
    assert 'data-testid="line-short"' not in changed.content.decode()
    assert 'data-testid="line-short"' not in client.get("/cart/").content.decode()


def test_another_company_is_never_shown_the_first_companys_cached_prices():
    # given Acme and Borealis pay different prices for the drill
    assert price_now("acme") != price_now("borealis")

    # when acme.buyer's pages are cached and borealis.buyer opens the same addresses
    acme = signed_in("acme.buyer")
    acme.get(ROW_URL)
    acme.get(f"/catalog/{SKU}/")
    borealis = signed_in("borealis.buyer")

    # then Borealis sees its own prices
    assert shown_price(borealis.get(ROW_URL).content.decode()) == price_now("borealis")
    assert shown_price(borealis.get(f"/catalog/{SKU}/").content.decode()) == price_now("borealis")


@pytest.mark.parametrize("url", [ROW_URL, f"/catalog/{SKU}/"])
def test_a_cached_page_carries_each_users_own_csrf_token(url):
    # given acme.buyer's page is cached
    first = signed_in("acme.buyer", enforce_csrf_checks=True)
    first_token = TOKEN.search(first.get(url).content.decode()).group(1)

    # when acme.admin, a colleague, gets the same cached page
    second = signed_in("acme.admin", enforce_csrf_checks=True)
    html = second.get(url).content.decode()

    # then its forms carry acme.admin's token, which adds to acme.admin's cart
    token = TOKEN.search(html).group(1)
    assert token != first_token
    assert fragments.CSRF_HOLE not in html
    added = second.post(
        "/cart/add/", {"sku": SKU, "quantity": "1", "next": url, "csrfmiddlewaretoken": token}
    )
    assert added.status_code in (200, 302)
    assert second.get("/cart/").content.decode().count(SKU) >= 1


def test_the_invoice_totals_count_a_payment_at_once():
    # given finance has seen the totals of one open invoice, which are now cached
    invoice = shipped("acme.buyer")
    finance = signed_in("finance")
    open_total = re.compile(r'data-testid="open-total">([^<]*)<')
    before = open_total.search(finance.get("/invoices/").content.decode()).group(1)

    # when 10.00 of it is paid
    pay_ten(invoice, yesterday=True)

    # then the open total is 10.00 less
    after = open_total.search(finance.get("/invoices/").content.decode()).group(1)
    assert after != before
    assert format_money(invoice.total - Decimal("10.00"), invoice.currency) == after


def invoice_row(html: str, number: str) -> tuple[str, str]:
    """The Open amount and the status the invoice list's row of ``number`` shows."""
    row = re.search(rf'<tr data-number="{number}">(.*?)</tr>', html, re.S)
    assert row, f"{number} is not listed"
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    return cells[8], re.sub(r"<[^>]+>", "", cells[9])


def test_the_invoice_list_shows_a_payment_and_a_status_changed_behind_its_back():
    # given finance has seen an open invoice in the list, which is now cached
    invoice = shipped("acme.buyer")
    finance = signed_in("finance", enforce_csrf_checks=True)
    url = f"/invoices/?q={invoice.number}"
    owed = format_money(invoice.total, invoice.currency)
    assert invoice_row(finance.get(url).content.decode(), invoice.number) == (owed, "Open")

    # when 10.00 of it is paid
    pay_ten(invoice)

    # then its row owes 10.00 less
    less = format_money(invoice.total - Decimal("10.00"), invoice.currency)
    assert invoice_row(finance.get(url).content.decode(), invoice.number) == (less, "Open")

    # and when it is marked paid by a bulk update, which sends no signal
    Invoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.PAID)

    # then its row says so at once
    html = finance.get(url).content.decode()
    assert invoice_row(html, invoice.number) == (less, "Paid")

    # and the cached page's ZIP form carries finance's own token, which is accepted
    assert fragments.CSRF_HOLE not in html
    token = TOKEN.search(html).group(1)
    zipped = finance.post(f"/invoices/archives/?q={invoice.number}", {"csrfmiddlewaretoken": token})
    assert zipped.status_code == 302


def test_the_invoice_list_shows_a_company_renamed_behind_its_back():
    # given finance has seen Acme's invoices listed under its name, now cached
    shipped("acme.buyer")
    finance = signed_in("finance")
    assert "Acme Hardware GmbH" in finance.get("/invoices/?company=acme").content.decode()

    # when Acme is renamed by a bulk update
    Company.objects.filter(code="acme").update(legal_name="Acme Tools AG")

    # then the rows and the company filter say the new name
    html = finance.get("/invoices/?company=acme").content.decode()
    assert "Acme Hardware GmbH" not in html
    assert "<td>Acme Tools AG</td>" in html
    assert '<option value="acme" selected>Acme Tools AG</option>' in html


def test_a_refused_invoice_filter_is_refused_each_time_with_what_was_typed():
    # given finance typed a date the list cannot read, and was refused
    finance = signed_in("finance")
    url = "/invoices/?q=PO-77&issued_after=yesterday"
    assert finance.get(url).status_code == 400

    # when they ask again, for the whole page and for the results the filter bar swaps
    page = finance.get(url)
    results = finance.get(url, headers={"HX-Request": "true", "HX-Target": "invoice-results"})

    # then both are refused again, saying why, and the page keeps what they typed
    assert (page.status_code, results.status_code) == (400, 400)
    assert "Issued from: Enter a valid date." in results.content.decode()
    html = page.content.decode()
    assert "Issued from: Enter a valid date." in html
    assert 'value="PO-77"' in html and 'value="yesterday"' in html


def test_a_buyer_is_never_shown_their_company_admins_cached_invoice_list():
    # given acme.admin has seen every Acme invoice, a colleague's too, now cached
    own = shipped("acme.buyer")
    colleague = shipped("acme.manager")
    admin_html = signed_in("acme.admin").get("/invoices/").content.decode()
    assert own.number in admin_html and colleague.number in admin_html

    # when acme.buyer opens the same address
    html = signed_in("acme.buyer").get("/invoices/").content.decode()

    # then they see the invoice of their own order only
    assert own.number in html
    assert colleague.number not in html


def test_a_buyer_made_company_admin_sees_the_companys_invoices_at_once():
    # given acme.buyer has seen the invoices of their own orders, now cached
    own = shipped("acme.buyer")
    colleague = shipped("acme.manager")
    client = signed_in("acme.buyer")
    assert colleague.number not in client.get("/invoices/").content.decode()

    # when they are made their company's admin (no invoice changes)
    buyer = get_user_model().objects.get(username="acme.buyer")
    membership_set(
        user=buyer, company=buyer.membership.company, is_buyer=True, is_company_admin=True
    )

    # then the same address lists every Acme invoice
    html = client.get("/invoices/").content.decode()
    assert own.number in html and colleague.number in html


def shipped_today(client) -> int:
    """Orders shipped today, as the warehouse dashboard's chart shows them."""
    chart = client.get("/").context["board"].warehouse.shipped
    return 0 if chart is None else int(chart.columns[-1].datum.value)


def test_the_warehouse_dashboard_counts_a_shipment_at_once():
    # given warehouse.north has seen today's shipments, which are now cached
    north = signed_in("warehouse.north")
    before = shipped_today(north)

    # when an Acme order is shipped from NORTH
    shipped("acme.buyer")

    # then the chart counts it
    assert shipped_today(north) == before + 1


def test_the_finance_dashboard_counts_a_payment_at_once():
    # given finance has seen this week's cash, which is now cached
    invoice = shipped("acme.buyer")
    finance = signed_in("finance")

    def received_this_week() -> Decimal:
        charts = finance.get("/").context["board"].finance.cash
        return sum((chart.columns[-1].datum.value for chart in charts), Decimal(0))

    before = received_this_week()

    # when 10.00 is received today
    pay_ten(invoice)

    # then this week's column counts it
    assert received_this_week() == before + Decimal("10.00")


def test_the_aging_report_counts_a_payment_at_once():
    # given finance has seen the aging report with an open invoice of Acme's in it
    invoice = shipped("acme.buyer")
    finance = signed_in("finance")
    acme_row = re.compile(r'<tr data-company="acme">.*?<strong>([^<]*)</strong>', re.S)
    before = acme_row.search(finance.get("/finance/aging/").content.decode()).group(1)

    # when 10.00 of it is paid
    pay_ten(invoice)

    # then Acme's row owes 10.00 less
    after = acme_row.search(finance.get("/finance/aging/").content.decode()).group(1)
    assert before == format_money(invoice.total, invoice.currency)
    assert after == format_money(invoice.total - Decimal("10.00"), invoice.currency)


def test_prices_that_change_by_the_clock_are_kept_no_longer_than_until_then():
    # given nothing starts or ends in the catalog's prices: a result is kept the usual time
    now = timezone.now()
    PriceList.objects.filter(valid_from__gt=now).update(valid_from=None)
    PriceList.objects.filter(valid_to__gt=now).update(valid_to=None)
    Contract.objects.filter(valid_from__gt=now).update(valid_from=None)
    Contract.objects.filter(valid_to__gt=now).update(valid_to=None)
    assert next_validity_change(now) is None
    assert versions.seconds_to_keep(None) == versions.CACHE_SECONDS

    # when a price list starts in 90 seconds
    starts = now + timedelta(seconds=90)
    PriceList.objects.create(name="Flash sale", currency="EUR", valid_from=starts)

    # then pages priced now are kept until it starts, no longer
    assert next_validity_change(now) == starts
    assert 0 < versions.seconds_to_keep(next_validity_change(timezone.now())) <= 90
    # and a moment already past keeps nothing longer than a second
    assert versions.seconds_to_keep(now - timedelta(seconds=5)) == 1


# -- the signed-in user, cached under the users' version -----------------------------------


def test_a_deactivated_user_is_signed_out_at_their_next_request():
    # given acme.buyer has been reading pages (their user is cached)
    client = signed_in("acme.buyer")
    assert client.get("/cart/").status_code == 200

    # when an operator deactivates them by a bulk update, which sends no signal
    get_user_model().objects.filter(username="acme.buyer").update(is_active=False)

    # then their next request is an anonymous one, sent to sign in
    response = client.get("/cart/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_role_taken_away_is_gone_at_the_next_request():
    # given acme.manager has opened the approval queue
    client = signed_in("acme.manager")
    assert client.get("/approvals/").status_code == 200

    # when their company admin takes the approver role away
    Membership.objects.filter(user__username="acme.manager").update(is_approver=False)

    # then the queue is refused at once, and the navigation no longer offers it
    assert client.get("/approvals/").status_code == 403
    assert 'href="/approvals/"' not in client.get("/").content.decode()


def test_a_changed_password_ends_the_other_sessions_at_once():
    # given acme.buyer is signed in on another device
    other = signed_in("acme.buyer")
    assert other.get("/cart/").status_code == 200

    # when they change their password elsewhere
    buyer = get_user_model().objects.get(username="acme.buyer")
    buyer.set_password("a-new-long-passphrase")
    buyer.save()

    # then the other device's session no longer signs them in
    assert other.get("/cart/").status_code == 302


# -- a company's orders, cached under that company's orders version ------------------------


def orders_version(code: str) -> int:
    return versions.orders_of([Company.objects.get(code=code).pk])[0]


def nav_count(html: str, name: str) -> str:
    match = re.search(rf'data-testid="nav-count-{name}"[^>]*>([^<]*)<', html)
    assert match, f"no {name} count in the navigation"
    return match.group(1)


def test_every_table_behind_a_companys_orders_has_both_triggers():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgdeferrable FROM pg_trigger t"
            " JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname LIKE 'portal_orders_version_%%'"
        )
        found = set(cursor.fetchall())
    for table in versions.ORDERS_TABLES:
        assert {(table, False), (table, True)} <= found, table


def test_a_cart_moves_no_orders_version_and_an_order_only_its_companys():
    # given both companies' orders versions
    acme, borealis = orders_version("acme"), orders_version("borealis")

    # when acme.buyer fills a cart, then the version stays: a cart is nobody else's
    buyer = get_user_model().objects.get(username="acme.buyer")
    cart = cart_get_or_create(buyer=buyer, company=buyer.membership.company)
    cart_add_many(cart=cart, items=[(Product.objects.get(sku=SKU), 5)], by=buyer)
    assert orders_version("acme") == acme

    # when the cart becomes an order, then acme's version moves, and borealis's does not
    place("acme.buyer", ABOUT_200)
    assert orders_version("acme") > acme
    assert orders_version("borealis") == borealis


def test_a_new_company_has_an_orders_version_of_its_own_and_takes_it_away():
    # given a new company
    company = Company.objects.create(code="newco", legal_name="New Co", currency="EUR")
    sequence = f"portal_version_orders_{company.pk}"
    assert versions.orders_of([company.pk]) == (0,)

    # when it is deleted, then its sequence goes with it
    company.delete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [sequence])
        assert cursor.fetchone() == (None,)


def test_the_order_list_shows_an_order_changed_behind_its_back():
    # given acme.admin has listed the company's orders, which are now cached
    order = place("acme.buyer", ABOUT_200, po="PO-FIRST")
    client = signed_in("acme.admin")
    assert "PO-FIRST" in client.get("/orders/").content.decode()

    # when its PO number is changed by a bulk update (no signal, no service)
    Order.objects.filter(pk=order.pk).update(po_number="PO-SECOND")

    # then the list shows the new one at once, on the page and in its HTMX partial
    assert "PO-SECOND" in client.get("/orders/").content.decode()
    partial = client.get("/orders/", headers={"HX-Request": "true", "HX-Target": "order-results"})
    assert "PO-SECOND" in partial.content.decode()


def test_the_approvals_waiting_and_the_buyers_dashboard_count_a_new_order_at_once():
    # given acme.manager and acme.buyer have read pages showing the queue and recent orders
    manager, buyer = signed_in("acme.manager"), signed_in("acme.buyer")
    waiting = int(nav_count(manager.get("/catalog/").content.decode(), "approvals") or 0)
    assert buyer.get("/").status_code == 200

    # when acme.buyer places an order above the manager's threshold
    order = place("acme.buyer", AROUND_3000)

    # then the manager's badge counts it, and the buyer's dashboard lists it
    assert nav_count(manager.get("/catalog/").content.decode(), "approvals") == str(waiting + 1)
    assert order.number in buyer.get("/").content.decode()


def test_the_cart_count_read_with_the_versions_is_the_users_own():
    # given acme.buyer's cart holds one line, added in another session
    buyer = get_user_model().objects.get(username="acme.buyer")
    cart = cart_get_or_create(buyer=buyer, company=buyer.membership.company)
    cart_add_many(cart=cart, items=[(Product.objects.get(sku=SKU), 5)], by=buyer)

    # then their pages count it, and another buyer's pages do not
    assert nav_count(signed_in("acme.buyer").get("/catalog/").content.decode(), "cart") == "1"
    other = signed_in("acme.manager").get("/catalog/").content.decode()
    assert nav_count(other, "cart") in ("", "0")


class Kept:
    """A value as a cached result held it before a deploy changed the code."""

    def __init__(self, figure: int):
        self.figure = figure


def test_a_result_cached_by_code_since_changed_is_computed_anew(monkeypatch):
    # given a result cached as an object of a class the running code has
    parts = ("figure-of-the-day",)
    assert versions.cached(versions.CATALOG, parts, lambda: Kept(1)).figure == 1

    # when a deploy has renamed that class, so the kept value can no longer be read back
    monkeypatch.delattr(__import__(__name__, fromlist=["Kept"]), "Kept")

    # then the result is computed anew rather than the page failing
    assert versions.cached(versions.CATALOG, parts, lambda: 2) == 2


def test_a_refused_catalog_address_is_refused_again_from_the_cache():
    # given acme.buyer asked for a category that does not exist
    client = signed_in("acme.buyer")
    first = client.get("/catalog/?category=no-such-thing&q=bolt")

    # when they ask again, the answer now kept
    again = client.get("/catalog/?category=no-such-thing&q=bolt")

    # then both are refused, say why, and keep what was typed
    for response in (first, again):
        assert response.status_code == 400
        html = response.content.decode()
        assert 'value="bolt"' in html and "no-such-thing" in html
