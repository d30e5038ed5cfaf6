"""The role dashboards: each persona's figures and charts, their empty states, other
companies' data kept out, and queries that do not grow with the rows."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateformat import format as format_date

from approvals.policy import month_start, next_month_start
from approvals.selectors import (
    budget_use,
    decisions_since,
    queue_by_age,
    spend_by_month,
    week_start,
)
from approvals.services import order_approve, order_cancel, order_reject, order_request_changes
from inventory.models import LOW_STOCK, StockLevel
from inventory.selectors import shipped_per_day
from inventory.services import stock_reorder_point_set
from portal import versions
from portal.accounts.permissions import roles_of
from portal.accounts.services import membership_set
from portal.charts import (
    BAR_LABEL_WIDTH,
    COLUMN_HEIGHT,
    TOP,
    Datum,
    Reference,
    bar_chart,
    column_chart,
)
from portal.dashboards import dashboard_for
from portal.invoices.charts import aging_chart
from portal.invoices.models import Invoice
from portal.invoices.selectors import aging, cash_by_week
from portal.invoices.services import payment_record
from pricing.currencies import format_money
from tests.approvals.conftest import ABOUT_200, AROUND_3000
from tests.inventory.conftest import level, set_on_hand
from tests.invoices.conftest import approved, ship, shipped
from tests.ordering import place, user

pytestmark = pytest.mark.django_db

PLOT = COLUMN_HEIGHT - TOP - 28  # a column chart's plot: 148 px between its margins
BASELINE = COLUMN_HEIGHT - 28
BOREALIS_ORDER = (("DRILL-18V", 16),)  # needs borealis.manager's approval


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(user(username))
    return client


def dashboard(username: str):
    response = signed_in(username).get("/")
    assert response.status_code == 200
    return response, response.content.decode()


def figure(html: str, key: str) -> str:
    """The chart ``key``: its figure element, SVG and data table."""
    found = re.search(rf'<figure class="chart" data-testid="{key}">.*?</figure>', html, re.S)
    assert found, f"no chart {key}"
    return found.group(0)


def table_rows(chart_html: str) -> list[list[str]]:
    """The chart's data table, a list of cells per body row."""
    body = re.search(r"<tbody>(.*?)</tbody>", chart_html, re.S).group(1)
    return [
        [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def rects(chart_html: str) -> list[dict[str, int]]:
    return [
        {k: int(v) for k, v in re.findall(r'(\w+)="(\d+)"', rect)}
        for rect in re.findall(r"<rect [^>]*>", chart_html)
    ]


def panel(html: str, name: str) -> str:
    found = re.search(rf'<section class="card" data-testid="panel-{name}".*?</section>', html, re.S)
    assert found, f"no panel {name}"
    return found.group(0)


# -- the charts' geometry ---------------------------------------------------------------


def test_columns_scale_to_the_budget_when_it_is_the_largest_figure():
    chart = column_chart(
        key="c",
        title="t",
        caption="c",
        label_heading="Month",
        value_heading="Spent",
        data=[
            Datum("Jan", Decimal(0), "0"),
            Datum("Feb", Decimal(500), "500"),
            Datum("Mar", Decimal(1000), "1000"),
        ],
        reference=Reference(Decimal(2000), "Budget", "2000"),
    )

    assert [c.height for c in chart.columns] == [0, PLOT // 4, PLOT // 2]
    assert all(c.y + c.height == BASELINE for c in chart.columns)
    assert chart.reference.y == TOP  # the budget is the top of the scale
    assert [c.tone for c in chart.columns] == ["", "", ""]
    # the columns stay left of the reference's label
    last = chart.columns[-1]
    assert last.x + last.width < chart.width - len("Budget") * 7


def test_a_column_over_the_budget_is_the_top_of_the_scale_and_marked_over():
    chart = column_chart(
        key="c",
        title="t",
        caption="c",
        label_heading="Month",
        value_heading="Spent",
        data=[Datum("Jan", Decimal("3000"), "3000"), Datum("Feb", Decimal("1"), "1")],
        reference=Reference(Decimal("2000"), "Budget", "2000"),
    )

    over, small = chart.columns
    assert over.height == PLOT and over.y == TOP and over.tone == "over"
    assert chart.reference.y == BASELINE - int(PLOT * 2000 / 3000)
    assert small.height == 2  # a tiny figure still shows
    assert small.tone == ""


def test_many_columns_widen_the_chart_rather_than_overlap():
    data = [Datum(f"Week {n}", Decimal("12345.67"), "€12,345.67") for n in range(8)]
    chart = column_chart(
        key="c", title="t", caption="c", label_heading="W", value_heading="V", data=data
    )

    assert chart.width > 520
    for left, right in zip(chart.columns, chart.columns[1:], strict=False):
        assert right.x - left.x >= len("€12,345.67") * 7


def test_bars_put_each_rows_mark_at_its_own_budget():
    chart = bar_chart(
        key="b",
        title="t",
        caption="c",
        label_heading="Buyer",
        value_heading="Spent",
        reference_heading="Budget",
        data=[
            Datum(
                "ann", Decimal("500"), "€500.00", reference=Decimal("1000"), reference_text="€1k"
            ),
            Datum(
                "bob", Decimal("1500"), "€1,500.00", reference=Decimal("1000"), reference_text="€1k"
            ),
            Datum("cy", Decimal("0"), "€0.00"),
        ],
    )

    ann, bob, cy = chart.bars
    plot = chart.value_x - BAR_LABEL_WIDTH - 12
    assert bob.width == plot  # the largest figure spans the plot
    assert ann.width == plot // 3
    assert ann.mark_x == bob.mark_x == BAR_LABEL_WIDTH + int(plot * 1000 / 1500)
    assert (ann.tone, bob.tone, cy.tone) == ("", "over", "")
    assert cy.width == 0 and cy.mark_x is None
    assert ann.text == "€500.00 of €1k" and cy.text == "€0.00"
    assert ann.y < bob.y < cy.y


def test_the_aging_chart_draws_a_column_per_bucket_overdue_ones_in_red():
    # Acme pays in 30 days: issued 50 days ago is 20 days past due
    shipped("acme.buyer", issued_on=timezone.localdate() - timedelta(days=50))
    fresh = shipped("acme.buyer")

    charts = aging_chart(aging(Invoice.objects.all(), timezone.localdate()).totals)

    (eur,) = charts
    assert eur.key == "aging-chart-EUR"
    assert [c.label for c in eur.columns] == ["Current", "1–30", "31–60", "61–90", "90+"]
    assert [c.tone for c in eur.columns] == ["", "overdue", "overdue", "overdue", "overdue"]
    assert eur.columns[0].text == format_money(fresh.total, "EUR")
    assert [c.height for c in eur.columns] == [PLOT, PLOT, 0, 0, 0]  # two equal invoices


# -- buyer ------------------------------------------------------------------------------


def test_the_buyer_sees_their_last_five_orders_and_spend_per_month_against_the_budget():
    # given five small orders (approved at once), a pending one and a rejected one
    small = [place("acme.buyer", ABOUT_200) for _ in range(5)]
    pending = place("acme.buyer", AROUND_3000)
    rejected = place("acme.buyer", AROUND_3000)
    order_reject(
        order=rejected, by=user("acme.admin"), expected_version=rejected.version, reason="No"
    )
    other = place("borealis.buyer", BOREALIS_ORDER)

    response, html = dashboard("acme.buyer")

    # then the recent orders are the last five, newest first, linked, with status and total
    recent = [rejected, pending, small[4], small[3], small[2]]
    assert [o.number for o in response.context["board"].buyer.recent] == [o.number for o in recent]
    table = re.search(r'data-testid="recent-orders">.*?</table>', html, re.S).group(0)
    for order in recent:
        order.refresh_from_db()
        row = re.search(rf'<tr data-order="{order.number}">.*?</tr>', table).group(0)
        assert f'<a href="/orders/{order.number}/">{order.number}</a>' in row
        assert order.get_status_display() in row
        assert format_money(order.total, "EUR") in row
        assert timezone.localtime(order.submitted_at).strftime("%Y-%m-%d") in row
    assert small[0].number not in table and other.number not in html

    # and this month's column is what the budget counts: small and pending, not rejected
    spent = sum((o.subtotal for o in [*small, pending]), Decimal("0.00"))
    assert budget_use(user("acme.buyer")).spent == spent
    chart = figure(html, "spend-chart")
    rows = table_rows(chart)
    assert len(rows) == 6
    assert rows[-1] == [format_date(timezone.localtime(), "F Y"), format_money(spent, "EUR")]
    assert all(row[1] == "€0.00" for row in rows[:-1])
    # drawn to scale under the budget line, which tops the scale
    assert rects(chart)[-1]["height"] == int(PLOT * spent / Decimal("10000.00"))
    assert re.search(
        rf'<g class="reference">\s*<line x1="0" x2="\d+" y1="{TOP}" y2="{TOP}">', chart
    )
    assert "Budget" in chart and "€10,000.00" in chart
    assert 'role="img"' in chart and "<title" in chart and "<caption>" in chart


def test_a_month_over_budget_is_drawn_over_the_line_and_said_so():
    buyer = user("acme.buyer")
    membership_set(
        user=buyer, company=buyer.membership.company, is_buyer=True, monthly_budget=Decimal(2000)
    )
    order = place("acme.buyer", AROUND_3000)

    chart = figure(dashboard("acme.buyer")[1], "spend-chart")

    assert '<g class="bar over">' in chart
    assert f'y1="{BASELINE - int(PLOT * 2000 / order.subtotal)}"' in chart
    assert table_rows(chart)[-1][2] == "over budget"


def test_spend_moves_a_column_left_when_the_month_turns_and_leaves_after_six():
    order = place("acme.buyer", AROUND_3000)
    buyer = user("acme.buyer")
    next_month = next_month_start() + timedelta(days=3)

    history = spend_by_month(buyer, at=next_month)

    assert history.months[-1] == (month_start(next_month).date(), Decimal("0.00"))
    assert history.months[-2] == (month_start().date(), order.subtotal)
    assert history.this_month.spent == Decimal("0.00")
    later = spend_by_month(buyer, at=timezone.now() + timedelta(days=31 * 6 + 3))
    assert all(spent == 0 for _, spent in later.months)


def test_a_buyer_without_orders_is_pointed_to_the_catalog():
    html = panel(dashboard("borealis.buyer")[1], "buyer")

    assert 'data-testid="no-orders"' in html
    assert '<a href="/catalog/">Browse the catalog</a>' in html
    assert "spend-chart" not in html and "recent-orders" not in html


def test_a_buyer_never_sees_another_companys_orders():
    acme = place("acme.buyer", ABOUT_200)
    borealis = place("borealis.buyer", BOREALIS_ORDER)

    borealis_html = dashboard("borealis.buyer")[1]
    acme_html = dashboard("acme.buyer")[1]

    assert borealis.number in borealis_html and acme.number not in borealis_html
    assert acme.number in acme_html and borealis.number not in acme_html
    assert "€" not in figure(borealis_html, "spend-chart")  # dollars only


# -- approver ---------------------------------------------------------------------------


def test_the_approver_sees_the_queue_by_age_and_this_weeks_decisions():
    # given five Acme orders waiting for one approval, and one of Borealis
    orders = [place("acme.buyer", AROUND_3000) for _ in range(5)]
    place("borealis.buyer", BOREALIS_ORDER)
    manager = user("acme.manager")
    # when acme.manager approves one, rejects one and sends one back
    order_approve(order=orders[0], by=manager, expected_version=orders[0].version)
    order_reject(order=orders[1], by=manager, expected_version=orders[1].version, reason="No")
    order_request_changes(
        order=orders[2], by=manager, expected_version=orders[2].version, comment="Fewer"
    )

    html = panel(dashboard("acme.manager")[1], "approver")

    # then two wait, both under a day old, and the week's three decisions are counted
    assert re.search(r'<span class="badge">2</span> orders waiting for your decision', html)
    chart = figure(html, "queue-age-chart")
    assert table_rows(chart) == [
        ["Under 1 day", "2"],
        ["1–2 days", "0"],
        ["3–5 days", "0"],
        ["Over 5 days", "0"],
    ]
    assert [r["height"] for r in rects(chart)] == [PLOT, 0, 0, 0]
    assert (
        "You made <strong>3</strong> decisions this week: 1 approved, 1 rejected, "
        "1 sent back for changes." in html
    )
    assert "Your approval limit: €5,000.00" in html
    assert decisions_since(manager, week_start(timezone.now() + timedelta(days=7))).total == 0


@pytest.mark.parametrize(
    ("waited", "bucket"),
    [
        (timedelta(hours=23, minutes=59), "Under 1 day"),
        (timedelta(days=1), "1–2 days"),
        (timedelta(days=2, hours=23), "1–2 days"),
        (timedelta(days=3), "3–5 days"),
        (timedelta(days=5, hours=23), "3–5 days"),
        (timedelta(days=6), "Over 5 days"),
        (timedelta(days=40), "Over 5 days"),
    ],
)
def test_an_order_ages_through_the_queues_buckets(waited, bucket):
    order = place("acme.buyer", AROUND_3000)

    ages = queue_by_age(user("acme.manager"), at=order.submitted_at + waited)

    assert dict(ages.counts) == {label: int(label == bucket) for label, _ in ages.counts}


def test_an_approver_with_nothing_to_decide_is_told_so():
    place("borealis.buyer", BOREALIS_ORDER)  # another company's

    html = panel(dashboard("acme.manager")[1], "approver")

    assert '<span class="badge">0</span> orders waiting' in html
    assert 'data-testid="queue-empty"' in html and "queue-age-chart" not in html
    assert "You have made no decisions this week." in html


# -- company admin ----------------------------------------------------------------------


def test_the_company_admin_sees_each_buyers_spend_against_their_budget():
    place("acme.buyer", AROUND_3000)  # pending: counts
    place("acme.manager", ABOUT_200)  # approved at once
    place("borealis.buyer", BOREALIS_ORDER)  # another company's

    response, html = dashboard("acme.admin")

    chart = figure(html, "company-spend-chart")
    assert table_rows(chart) == [
        ["acme.buyer", "€2,984.80", "€10,000.00"],
        ["acme.manager", "€214.20", "None"],
        ["acme.admin", "€0.00", "None"],
    ]
    assert "borealis" not in chart
    # the budget is the largest figure: its mark ends the plot, the bars are to its scale
    bars = response.context["board"].company.spend.bars
    plot = bars[0].mark_x - BAR_LABEL_WIDTH
    assert [b.width for b in bars] == [
        int(plot * Decimal("2984.80") / 10000),
        int(plot * Decimal("214.20") / 10000),
        0,
    ]
    assert f'<line x1="{bars[0].mark_x}" x2="{bars[0].mark_x}"' in chart
    assert chart.count('class="mark"') == 1  # only acme.buyer has a budget
    assert "€2,984.80 of €10,000.00" in chart


def test_a_buyer_over_budget_shows_as_over_on_the_admins_chart():
    buyer = user("acme.buyer")
    membership_set(
        user=buyer, company=buyer.membership.company, is_buyer=True, monthly_budget=Decimal(2000)
    )
    place("acme.buyer", AROUND_3000)

    response, html = dashboard("acme.admin")

    over = response.context["board"].company.spend.bars[0]
    assert over.tone == "over"
    assert over.mark_x == BAR_LABEL_WIDTH + int(over.width * 2000 / Decimal("2984.80"))
    assert table_rows(figure(html, "company-spend-chart"))[0][-1] == "over budget"


def test_the_company_admin_is_told_when_nobody_has_ordered_this_month():
    place("borealis.buyer", BOREALIS_ORDER)

    html = panel(dashboard("acme.admin")[1], "company-admin")

    assert "None of your 3 buyers has ordered this month yet." in html
    assert "company-spend-chart" not in html


# -- warehouse --------------------------------------------------------------------------


def test_warehouse_staff_see_the_lowest_stock_and_orders_shipped_per_day():
    # given NUT-M8 out of stock far below its reorder point, and two orders shipped today
    set_on_hand("NORTH", "NUT-M8", 0)
    stock_reorder_point_set(stock=level("NORTH", "NUT-M8"), reorder_point=5000)
    ship(approved("acme.buyer", (("BOLT-M8-50", 10),)))
    ship(approved("acme.buyer", (("BOLT-M8-50", 10),)))
    ship(approved("borealis.buyer", (("BOLT-M8-50", 10),)))  # from SOUTH

    response, html = dashboard("warehouse.north")

    html = panel(html, "warehouse")
    north_low = StockLevel.objects.filter(LOW_STOCK, warehouse__code="NORTH")
    assert f'<span class="badge">{north_low.count()}</span> products at or below' in html
    low = response.context["warehouse"].low_items
    assert low[0].product.sku == "NUT-M8"
    assert {item.warehouse.code for item in low} == {"NORTH"}
    assert [item.available for item in low] == sorted(item.available for item in low)
    assert '<a href="/inventory/NORTH/NUT-M8/" class="sku">NUT-M8</a>' in html
    chart = figure(html, "shipped-chart")
    rows = table_rows(chart)
    assert len(rows) == 14
    assert rows[-1] == [format_date(timezone.localdate(), "l j F"), "2"]
    assert all(row[1] == "0" for row in rows[:-1])
    assert [r["height"] for r in rects(chart)] == [0] * 13 + [PLOT]


def test_shipments_move_back_a_day_at_a_time_and_leave_after_fourteen():
    ship(approved("acme.buyer", (("BOLT-M8-50", 10),)))
    north = user("warehouse.north")
    today = timezone.localdate()

    assert [n for _, n in shipped_per_day(north, today=today + timedelta(days=3))][-4] == 1
    assert sum(n for _, n in shipped_per_day(north, today=today + timedelta(days=14))) == 0
    assert sum(n for _, n in shipped_per_day(user("warehouse.south"))) == 0


def test_the_picks_waiting_follow_orders_approved_shipped_and_cancelled_at_once():
    client = signed_in("warehouse.north")

    def waiting() -> tuple[int, list[str]]:
        """The badge's count and the oldest picks listed, as the next request shows them."""
        html = panel(client.get("/").content.decode(), "warehouse")
        count = re.search(r'picks-waiting">.*?class="badge">(\d+)<', html).group(1)
        return int(count), re.findall(r'href="/inventory/picking/([^/"]+)/"', html)

    before, oldest = waiting()
    first = approved("acme.buyer", (("BOLT-M8-50", 10),))
    second = approved("acme.buyer", (("BOLT-M8-50", 10),))
    assert waiting() == (before + 2, [*oldest, first.number, second.number][:5])

    ship(first)
    assert waiting() == (before + 1, [*oldest, second.number][:5])

    order_cancel(order=second, by=user("acme.buyer"))
    assert waiting() == (before, oldest)


def test_another_warehouse_sees_nothing_shipped_and_nothing_to_pick():
    approved("acme.buyer", (("BOLT-M8-50", 10),))  # NORTH's to pick
    ship(approved("acme.buyer", (("BOLT-M8-50", 10),)))

    html = panel(dashboard("warehouse.south")[1], "warehouse")

    assert 'data-testid="no-picks"' in html
    assert "shipped-chart" not in html
    assert re.search(r'data-testid="no-shipments">Nothing shipped in the last 14 days\.<', html)
    assert "NORTH" not in html


# -- finance ----------------------------------------------------------------------------


def test_finance_sees_cash_received_per_week_per_currency():
    today = timezone.localdate()
    invoice = shipped("acme.buyer")  # 127.45
    finance = user("finance")
    for amount, days_ago in (("7.45", 63), ("20.00", 21), ("100.00", 0)):
        payment_record(
            invoice=invoice,
            by=finance,
            amount=Decimal(amount),
            reference=f"Bank {days_ago}",
            received_on=today - timedelta(days=days_ago),
        )
    dollars = shipped("borealis.buyer")
    payment_record(
        invoice=dollars, by=finance, amount=Decimal("50.00"), reference="Wire", received_on=today
    )

    html = panel(dashboard("finance")[1], "finance")

    euros = figure(html, "cash-chart-EUR")
    rows = table_rows(euros)
    monday = today - timedelta(days=today.weekday())
    assert rows[-1] == [f"Week of {format_date(monday, 'j F Y')}", "€100.00"]
    assert rows[4][1] == "€20.00"  # three weeks back; nine weeks back is off the chart
    assert [r[1] for r in rows].count("€0.00") == 6
    assert [r["height"] for r in rects(euros)][-1] == PLOT
    assert [r["height"] for r in rects(euros)][4] == int(PLOT * 20 / 100)
    assert table_rows(figure(html, "cash-chart-USD"))[-1][1] == "$50.00"
    assert 'data-testid="aging-chart-USD"' in html  # what Borealis still owes
    assert "aging-chart-EUR" not in html  # Acme's invoice is paid


def test_finance_without_invoices_sees_the_empty_states():
    html = panel(dashboard("finance")[1], "finance")

    assert 'data-testid="no-aging"' in html and 'data-testid="no-cash"' in html
    assert cash_by_week(Invoice.objects.all(), timezone.localdate()) == {}


# -- queries ----------------------------------------------------------------------------


def panel_queries(username: str) -> int:
    person = user(username)
    roles = roles_of(person)  # the membership and the groups, which every page asks for
    # As a page reads it: the data versions once, with the user's company's orders version.
    with CaptureQueriesContext(connection) as queries, versions.read_once(user_id=person.pk):
        dashboard_for(person, roles)
    return len(queries)


@pytest.mark.parametrize(
    ("username", "panels", "cached"),
    [
        # the data versions and the user's company permissions (their own and their
        # groups', in one query), then, until an order of theirs or their account changes:
        ("acme.buyer", 4, 2),  # spend per month, recent orders
        ("acme.manager", 6, 2),  # and the queue's submission times, the week's decisions
        ("acme.admin", 7, 2),  # and the spend per buyer
        # the data versions and the warehouses they operate (a signed-in user comes with
        # them), then, cached: the oldest picks with their count, shipped, low count, lowest
        ("warehouse.north", 6, 2),
        # the data versions, then the aging, issued this week, attention, overdue count and
        # cash (cached), and attention again (never cached)
        ("finance", 7, 2),
    ],
)
def test_each_dashboards_panels_cost_a_fixed_number_of_queries(username, panels, cached):
    cache.clear()
    assert panel_queries(username) == panels
    # and read again, nothing having changed, what is kept in the cache is read from there
    assert panel_queries(username) == cached


def grow() -> None:
    """More of everything each dashboard shows: orders, approvals, shipments, payments."""
    finance = user("finance")
    for _ in range(3):
        place("acme.buyer", AROUND_3000)
        place("acme.manager", ABOUT_200)
        invoice = shipped("acme.buyer")
        payment_record(
            invoice=invoice,
            by=finance,
            amount=Decimal("1.00"),
            reference="Part",
            received_on=timezone.localdate() - timedelta(days=10),
        )
    manager = user("acme.manager")
    waiting = place("acme.buyer", AROUND_3000)
    order_approve(order=waiting, by=manager, expected_version=waiting.version)
    set_on_hand("NORTH", "NUT-M8", 0)


@pytest.mark.parametrize(
    "username", ["acme.buyer", "acme.manager", "acme.admin", "warehouse.north", "finance"]
)
def test_each_dashboard_costs_the_same_queries_for_few_rows_or_many(username):
    # given a little of everything, and the page asked for once already
    place("acme.buyer", ABOUT_200)
    shipped("acme.buyer")
    client = signed_in(username)
    client.get("/")
    cache.clear()  # the sums the dashboard caches are read afresh, as after a change
    with CaptureQueriesContext(connection) as few:
        client.get("/")

    # when there is more of everything each panel shows
    grow()
    cache.clear()  # as before: the signed-in user and the sums read afresh
    with CaptureQueriesContext(connection) as many:
        response = client.get("/")

    # then the page costs the same: its panels' fixed queries (above), and the page's own
    # (session, user, membership, roles and whatever the navigation shows)
    assert response.status_code == 200
    assert len(many) == len(few)
