"""The warehouse pages: stock table, receipts and adjustments, history, pick lists, shipping."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm, remove_perm

from approvals.services import order_approve, order_edit
from inventory.models import CompanyWarehouse, MovementKind, StockLevel, StockMovement, Warehouse
from portal.catalog.models import Category, Product
from portal.orders.models import Order, OrderStatus
from tests.inventory.conftest import level, place, set_on_hand, user
from tests.ordering import submit

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def listed(response) -> list[tuple[str, str]]:
    return [
        (row.record.warehouse.code, row.record.product.sku)
        for row in response.context["table"].paginated_rows
    ]


def approved(username: str, lines) -> Order:
    order = place(username, lines)
    if order.status == OrderStatus.PENDING_APPROVAL:
        manager = "acme.manager" if username.startswith("acme") else "borealis.manager"
        order = order_approve(order=order, by=user(manager), expected_version=order.version)
    assert order.status == OrderStatus.APPROVED
    return order


# -- the stock table --------------------------------------------------------------------


def test_staff_see_only_their_warehouses_stock():
    north = listed(signed_in("warehouse.north").get("/inventory/", {"q": "BOLT-M8-50"}))
    south = listed(signed_in("warehouse.south").get("/inventory/", {"q": "BOLT-M8-50"}))

    assert north == [("NORTH", "BOLT-M8-50")]
    assert south == [("SOUTH", "BOLT-M8-50")]


def test_the_stock_table_searches_filters_and_sorts():
    client = signed_in("warehouse.north")
    # given NUT-M8 below its reorder point of 400
    set_on_hand("NORTH", "NUT-M8", 30)

    by_name = listed(client.get("/inventory/", {"q": "hex nut"}))
    tools = client.get("/inventory/", {"category": "power-tools", "sort": "-available"})
    low = client.get("/inventory/", {"low": "on", "q": "M8"})

    assert by_name == [("NORTH", "NUT-M8")]
    rows = [row.record for row in tools.context["table"].paginated_rows]
    assert {r.product.category.slug for r in rows} == {"power-tools"}
    assert [r.available for r in rows] == sorted((r.available for r in rows), reverse=True)
    assert listed(low) == [("NORTH", "NUT-M8")]


def test_another_warehouse_in_the_filter_is_a_400_with_a_message():
    response = signed_in("warehouse.north").get("/inventory/", {"warehouse": "SOUTH"})

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_the_stock_table_pages_without_counting_and_ignores_a_page_size_in_the_url():
    client = signed_in("warehouse.north")

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/inventory/", {"per_page": "100000"})

    assert len(listed(response)) == 50
    # (the navigation counts the picks waiting, a few orders; the stock table is not counted)
    counted = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert not [
        sql
        for sql in counted
        if sql.startswith('SELECT COUNT(*) AS "__count" FROM "inventory_stocklevel"')
    ]
    assert 'data-testid="page-of">Page 1<' in response.content.decode()
    assert len(listed(client.get("/inventory/", {"page": "2"}))) == 50
    for page in ("x", "-3", "0", "99999", "99999999999999999999", "\u0663"):
        response = client.get("/inventory/", {"page": page})
        assert response.status_code == 200, page
        assert 'data-testid="page-of">Page 1<' in response.content.decode(), page


def test_the_stock_table_costs_the_same_queries_for_3_or_50_rows():
    client = signed_in("warehouse.north")
    client.get("/inventory/")  # warm the session
    counts = {}
    for query, rows in (({"q": "M8"}, 2), ({}, 50)):
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/inventory/", query)
        assert len(listed(response)) == rows
        counts[rows] = len(queries)

    assert counts[2] == counts[50], counts


def test_an_htmx_search_gets_only_the_results():
    response = signed_in("warehouse.north").get(
        "/inventory/", {"q": "bolt"}, headers={**HTMX, "HX-Target": "stock-results"}
    )

    assert response.content.decode().lstrip().startswith('<div id="stock-results"')


# -- receipts and adjustments ------------------------------------------------------------


def row_of(sku: str, code: str = "NORTH") -> dict:
    return {**HTMX, "HX-Target": f"stock-{level(code, sku).pk}"}


def test_an_inline_receipt_swaps_the_row_and_books_the_movement():
    client = signed_in("warehouse.north")
    before = level("NORTH", "BOLT-M8-50")
    url = "/inventory/NORTH/BOLT-M8-50/receive/"

    # when they open the receipt form in the row
    form = client.get(url, headers=row_of("BOLT-M8-50")).content.decode()
    assert form.lstrip().startswith(f'<tr id="stock-{before.pk}" class="editing"')
    assert 'name="reason"' in form

    # and receive 100 with a reason
    response = client.post(
        url, {"quantity": "100", "reason": "Delivery note 8812"}, headers=row_of("BOLT-M8-50")
    )

    # then the row comes back with the new figures and what was done
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="stock-{before.pk}"')
    assert f'<td class="num">{before.on_hand + 100}</td>' in html
    assert "Received +100 · Delivery note 8812" in html
    movement = StockMovement.objects.filter(stock=before).latest("pk")
    assert (movement.kind, movement.on_hand_change, movement.reason, movement.user) == (
        MovementKind.RECEIPT,
        100,
        "Delivery note 8812",
        user("warehouse.north"),
    )


def test_a_plain_receipt_redirects_to_the_history_showing_the_ledger_line():
    client = signed_in("warehouse.north")

    response = client.post(
        "/inventory/NORTH/BOLT-M8-50/receive/", {"quantity": "100", "reason": "PO 4711"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/inventory/NORTH/BOLT-M8-50/"
    page = client.get(response["Location"]).content.decode()
    first = re.search(r'<table class="table" id="movements".*?<tbody>\s*<tr>(.*?)</tr>', page, re.S)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", first.group(1), re.S)
    assert cells[1:4] == ["Receipt", "+100", ""]
    assert cells[7:] == ["warehouse.north", "PO 4711"]
    assert "Received +100 · PO 4711" in page


BAD_RECEIPTS = [
    ({"quantity": "-5", "reason": "x"}, "whole number of at least 1"),
    ({"quantity": "0", "reason": "x"}, "whole number of at least 1"),
    ({"quantity": "abc", "reason": "x"}, "whole number of at least 1"),
    ({"quantity": "12345678901234567890", "reason": "x"}, "at most 12 characters"),
    ({"quantity": "2000000", "reason": "x"}, "at most 1,000,000"),
    ({"quantity": "10", "reason": ""}, "a reason is required"),
    ({"quantity": "10", "reason": "   "}, "a reason is required"),
    ({"quantity": "10", "reason": "x" * 201}, "at most 200 characters"),
]
BAD_ADJUSTMENTS = [
    ({"change": "0", "reason": "Count"}, "A change of 0 changes nothing."),
    ({"change": "ten", "reason": "Count"}, "Type a whole number"),
    ({"change": "1.5", "reason": "Count"}, "Type a whole number"),
    ({"change": "-99999999999", "reason": "Count"}, "at most 1,000,000 units"),
    ({"change": "-5", "reason": ""}, "a reason is required"),
    # 10 drills on hand, 8 reserved: the count may go down by 2 at most
    ({"change": "-3", "reason": "Count"}, "can go down by at most 2"),
]


@pytest.fixture
def drills_mostly_reserved():
    set_on_hand("NORTH", "DRILL-18V", 10)
    place("acme.buyer", [("DRILL-18V", 8)])


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize(
    ("kind", "data", "message"),
    [("receive", d, m) for d, m in BAD_RECEIPTS] + [("adjust", d, m) for d, m in BAD_ADJUSTMENTS],
)
def test_bad_input_says_why_keeps_what_was_typed_and_writes_nothing(
    drills_mostly_reserved, kind, data, message, htmx
):
    client = signed_in("warehouse.north")
    before = level("NORTH", "DRILL-18V")
    movements = StockMovement.objects.count()

    response = client.post(
        f"/inventory/NORTH/DRILL-18V/{kind}/", data, headers=row_of("DRILL-18V") if htmx else {}
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert message in html.replace("&#x27;", "'")
    if htmx:
        assert html.lstrip().startswith(f'<tr id="stock-{before.pk}" class="editing"')
    typed = next(v for k, v in data.items() if k != "reason")
    assert f'value="{typed}"' in html
    after = level("NORTH", "DRILL-18V")
    assert (after.on_hand, after.reserved) == (before.on_hand, before.reserved)
    assert StockMovement.objects.count() == movements


def test_another_warehouses_stock_is_not_found_and_untouched():
    client = signed_in("warehouse.north")
    south = level("SOUTH", "BOLT-M8-50")

    for path in ("", "receive/", "adjust/", "reorder-point/"):
        response = client.post(
            f"/inventory/SOUTH/BOLT-M8-50/{path}",
            {"quantity": "5", "change": "5", "reason": "x", "reorder_point": "1"},
        )
        assert response.status_code in (404, 405), path
    assert client.get("/inventory/SOUTH/BOLT-M8-50/").status_code == 404
    assert level("SOUTH", "BOLT-M8-50").on_hand == south.on_hand


@pytest.mark.parametrize(
    "path",
    [
        "/inventory/NORTH/BOLT-M8-50%00/",
        "/inventory/NORTH/NO-SUCH-SKU/",
        "/inventory/NOWHERE/BOLT-M8-50/",
        "/inventory/NORTH/" + "X" * 41 + "/",
        "/inventory/picking/ORD-1/",
        "/inventory/picking/ORD-000001%00/",
        "/inventory/picking/ORD-999999/",
    ],
)
def test_a_malformed_or_unknown_key_is_a_404(path):
    assert signed_in("warehouse.north").get(path).status_code == 404


def test_the_first_receipt_of_a_product_starts_stocking_it():
    # given a product that NORTH has never held
    Product.objects.create(sku="NUT-M12", name="Hex nut M12", category=Category.objects.first())
    client = signed_in("warehouse.north")

    page = client.get("/inventory/NORTH/NUT-M12/").content.decode()
    response = client.post("/inventory/NORTH/NUT-M12/receive/", {"quantity": "7", "reason": "New"})

    assert "does not stock this product yet" in page
    assert response.status_code == 302
    assert level("NORTH", "NUT-M12").on_hand == 7


def test_staff_set_the_reorder_point():
    client = signed_in("warehouse.north")

    response = client.post("/inventory/NORTH/NUT-M8/reorder-point/", {"reorder_point": "5000"})
    refused = client.post("/inventory/NORTH/NUT-M8/reorder-point/", {"reorder_point": "-1"})

    assert response.status_code == 302
    assert level("NORTH", "NUT-M8").reorder_point == 5000
    assert refused.status_code == 400
    assert level("NORTH", "NUT-M8").reorder_point == 5000


# -- pick lists and shipping -----------------------------------------------------------------


def test_pick_lists_show_approved_orders_of_the_warehouse_with_lines_by_sku():
    # given an approved Acme order (NORTH) of three lines, and an approved Borealis one (SOUTH)
    acme = approved("acme.buyer", [("NUT-M8", 3), ("BOLT-M8-50", 5), ("GLOVE-L", 12)])
    borealis = approved("borealis.buyer", [("NUT-M8", 2)])
    pending = place("acme.buyer", [("DRILL-18V", 10)])

    north = signed_in("warehouse.north").get("/inventory/picking/").content.decode()
    south = signed_in("warehouse.south").get("/inventory/picking/").content.decode()

    assert f'data-order="{acme.number}"' in north
    assert f'data-order="{borealis.number}"' not in north
    assert f'data-order="{pending.number}"' not in north
    assert f'data-order="{borealis.number}"' in south
    section = re.search(rf'data-order="{acme.number}".*?</section>', north, re.S).group(0)
    assert re.findall(r'<tr data-sku="([^"]+)"', section) == ["BOLT-M8-50", "GLOVE-L", "NUT-M8"]
    assert f"Ship {acme.number}" in section


def picks(user_or_client: str | Client) -> list[str]:
    """The numbers of the orders on the user's pick lists, as their next request shows."""
    client = signed_in(user_or_client) if isinstance(user_or_client, str) else user_or_client
    html = client.get("/inventory/picking/").content.decode()
    return re.findall(r'<section[^>]*data-order="([^"]+)"', html)


def supplied_from(company_code: str, warehouse_code: str) -> None:
    CompanyWarehouse.objects.filter(company__code=company_code).update(
        warehouse=Warehouse.objects.get(code=warehouse_code)
    )


def test_an_order_stays_with_the_warehouse_holding_its_stock_when_its_company_moves():
    # given an approved Acme order, its stock reserved in NORTH
    order = approved("acme.buyer", [("BOLT-M8-50", 5)])

    held = level("NORTH", "BOLT-M8-50").reserved

    # when Acme is supplied from SOUTH from now on
    supplied_from("acme", "SOUTH")

    # then NORTH, which holds its stock, still picks and ships it; SOUTH never sees it
    assert order.number in picks("warehouse.north")
    assert order.number not in picks("warehouse.south")
    response = signed_in("warehouse.north").post(f"/inventory/picking/{order.number}/ship/")
    assert response.status_code == 302
    assert level("NORTH", "BOLT-M8-50").reserved == held - 5


def test_an_order_submitted_again_after_its_company_moved_ships_from_the_new_warehouse():
    # given a pending Acme order, reserved in NORTH, reopened by its buyer (which gives its
    # stock back) once Acme is supplied from SOUTH
    order = place("acme.buyer", [("DRILL-18V", 10)])
    order = order_edit(order=order, by=user("acme.buyer"))
    supplied_from("acme", "SOUTH")
    south_before = level("SOUTH", "DRILL-18V").reserved

    # when it is submitted again and approved
    order = submit(order, by=user("acme.buyer"))
    order = order_approve(order=order, by=user("acme.manager"), expected_version=order.version)

    # then its stock is held in SOUTH, and it is SOUTH's to pick, not NORTH's any more
    assert level("SOUTH", "DRILL-18V").reserved == south_before + 10
    assert order.number in picks("warehouse.south")
    assert order.number not in picks("warehouse.north")
    north = signed_in("warehouse.north")
    assert north.get(f"/inventory/picking/{order.number}/").status_code == 404


def test_a_warehouse_granted_or_withdrawn_shows_at_the_next_request():
    # given an approved Borealis order, SOUTH's to pick, and warehouse.north reading its
    # pick lists (who they are, and where they work, is cached)
    order = approved("borealis.buyer", [("NUT-M8", 2)])
    client = signed_in("warehouse.north")
    assert order.number not in picks(client)
    south = Warehouse.objects.get(code="SOUTH")

    # when they are given SOUTH as well, then its orders and stock are theirs at once
    assign_perm("inventory.operate_warehouse", user("warehouse.north"), south)
    assert order.number in picks(client)
    assert client.get("/inventory/?warehouse=SOUTH").status_code == 200
    assert client.get(f"/inventory/picking/{order.number}/").status_code == 200

    # when it is taken away again, then it is gone at once
    remove_perm("inventory.operate_warehouse", user("warehouse.north"), south)
    assert order.number not in picks(client)
    assert client.get("/inventory/?warehouse=SOUTH").status_code == 400
    assert client.get(f"/inventory/picking/{order.number}/").status_code == 404


def test_the_pick_list_costs_the_same_queries_for_1_or_6_orders():
    client = signed_in("warehouse.north")
    approved("acme.buyer", [("NUT-M8", 1), ("BOLT-M8-50", 1)])
    client.get("/inventory/picking/")
    with CaptureQueriesContext(connection) as one:
        client.get("/inventory/picking/")
    for _ in range(5):
        approved("acme.buyer", [("NUT-M8", 1), ("BOLT-M8-50", 1), ("GLOVE-L", 12)])
    with CaptureQueriesContext(connection) as six:
        html = client.get("/inventory/picking/").content.decode()

    assert html.count('class="card picklist"') == 6
    assert len(one) == len(six), (len(one), len(six))


def test_shipping_from_the_pick_list_completes_the_order_and_consumes_its_stock():
    order = approved("acme.buyer", [("BOLT-M8-50", 5)])
    before = level("NORTH", "BOLT-M8-50")
    client = signed_in("warehouse.north")

    response = client.post(f"/inventory/picking/{order.number}/ship/")

    assert response.status_code == 302
    assert response["Location"] == "/inventory/picking/"
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    after = level("NORTH", "BOLT-M8-50")
    assert (after.on_hand, after.reserved) == (before.on_hand - 5, before.reserved - 5)
    assert f"{order.number} shipped" in client.get("/inventory/picking/").content.decode()
    # and its pick list now says when and by whom, without a ship button
    page = client.get(f"/inventory/picking/{order.number}/").content.decode()
    assert "Shipped " in page and "by warehouse.north" in page
    assert f"Ship {order.number}" not in page

    # when the button is pressed again (another tab), then it is refused, not shipped twice
    again = client.post(f"/inventory/picking/{order.number}/ship/")
    assert again.status_code == 409
    assert "cannot be shipped now" in again.content.decode()
    assert level("NORTH", "BOLT-M8-50").on_hand == after.on_hand


def test_another_warehouse_cannot_see_or_ship_the_order():
    order = approved("acme.buyer", [("BOLT-M8-50", 5)])
    client = signed_in("warehouse.south")

    assert client.get(f"/inventory/picking/{order.number}/").status_code == 404
    assert client.post(f"/inventory/picking/{order.number}/ship/").status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.APPROVED


def test_the_warehouse_dashboard_shows_picks_waiting_and_low_stock():
    order = approved("acme.buyer", [("BOLT-M8-50", 5)])
    set_on_hand("NORTH", "NUT-M8", 30)
    low = StockLevel.objects.filter(warehouse__code="NORTH", available__lte=F("reorder_point"))

    html = signed_in("warehouse.north").get("/").content.decode()

    assert re.search(r'picks-waiting"><a href="/inventory/picking/"><span class="badge">1<', html)
    assert order.number in html
    assert f'<span class="badge">{low.count()}</span> products at or below reorder point' in html
