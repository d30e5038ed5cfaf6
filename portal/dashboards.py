"""The role dashboard's panels: each reads through its app's selectors, in a fixed number of
queries whatever the rows, and turns the figures into charts (``portal.charts``)."""

from dataclasses import dataclass, replace
from datetime import date, datetime

from django.utils import timezone
from django.utils.dateformat import format as format_date

from approvals.permissions import DECIDING_ROLES
from approvals.policy import month_start
from approvals.selectors import (
    BudgetUse,
    Decisions,
    buyers_month_spend,
    decisions_since,
    queue_by_age,
    recent_orders,
    spend_by_month,
    week_start,
)
from inventory.permissions import warehouse_ids_of
from inventory.selectors import WarehouseToday, low_stock, shipped_per_day, warehouse_today
from portal import versions
from portal.accounts.permissions import CUSTOMER_ROLES, MANAGE_MEMBERS, company_ids_visible_to
from portal.charts import BarChart, ColumnChart, Datum, Reference, bar_chart, column_chart
from portal.invoices.charts import aging_chart
from portal.invoices.models import PaymentIssue
from portal.invoices.permissions import invoices_visible_to
from portal.invoices.selectors import FinanceToday, cash_by_week, finance_today
from portal.orders.models import Order
from portal.orders.permissions import order_company_ids
from pricing.currencies import format_money

SPEND_MONTHS = 6
SHIPPED_DAYS = 14
CASH_WEEKS = 8
BUYERS_SHOWN = 10


# -- buyer ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuyerPanel:
    recent: list[Order]
    budget: BudgetUse | None  # this month against the budget, if the buyer has one
    spend: ColumnChart | None  # None: nothing spent in the months it covers
    period: str = f"the last {SPEND_MONTHS} months"  # what the chart covers, in words


def buyer_panel(user, *, at: datetime) -> BuyerPanel:
    """Recent orders, and spend per month against the monthly budget. Two queries, none
    while the orders of the user's companies and the user's account do not change."""
    return versions.cached(
        versions.USERS,
        ("buyer-panel", user.pk, month_start(at)),
        lambda: _buyer_panel(user, at=at),
        companies=order_company_ids(user),
    )


def _buyer_panel(user, *, at: datetime) -> BuyerPanel:
    history = spend_by_month(user, months=SPEND_MONTHS, at=at)
    currency, budget = history.currency, history.budget
    title = f"Your spend per month, last {SPEND_MONTHS} months"
    caption = "Net totals of pending, approved and shipped orders, by month submitted."
    reference = None
    if budget is not None:
        title += f", against your monthly budget of {format_money(budget, currency)}"
        caption += " The dashed line is your monthly budget."
        reference = Reference(budget, "Budget", format_money(budget, currency))
    chart = column_chart(
        key="spend-chart",
        title=title,
        caption=caption,
        label_heading="Month",
        value_heading="Spent (net)",
        data=[
            Datum(
                label=format_date(month, "F Y"),
                short=format_date(month, "M"),
                value=spent,
                text=format_money(spent, currency),
                note="over budget" if budget is not None and spent > budget else "",
            )
            for month, spent in history.months
        ],
        reference=reference,
    )
    return BuyerPanel(
        recent=recent_orders(user),
        budget=history.this_month,
        spend=None if chart.is_empty else chart,
    )


# -- approver ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ApproverPanel:
    waiting: int
    ages: ColumnChart
    decisions: Decisions  # this week's, since Monday


def approver_panel(user, *, at: datetime) -> ApproverPanel:
    """The queue by age and this week's decisions. Two queries."""
    queue = queue_by_age(user, at=at)
    chart = column_chart(
        key="queue-age-chart",
        title="Orders waiting for your decision, by days since submission",
        caption="Calendar days since the order was submitted (24 hours each).",
        label_heading="Waiting",
        value_heading="Orders",
        data=[
            # The oldest bucket in the overdue tone: those orders are being waited for.
            Datum(
                label=label,
                value=count,
                text=str(count),
                tone="overdue" if index == len(queue.counts) - 1 else "",
            )
            for index, (label, count) in enumerate(queue.counts)
        ],
    )
    return ApproverPanel(
        waiting=queue.total,
        ages=chart,
        decisions=decisions_since(user, week_start(at)),
    )


# -- company admin ----------------------------------------------------------------------


@dataclass(frozen=True)
class CompanyPanel:
    buyers: int  # active buyers of the company
    spend: BarChart | None  # None: no buyer, or nobody has spent anything this month
    more: int  # buyers left out of the chart (it shows the biggest spenders)


def company_panel(user, *, at: datetime) -> CompanyPanel:
    """This month's spend per buyer against each one's budget. One query, none while the
    company's orders and its users do not change."""
    return versions.cached(
        versions.USERS,
        ("company-panel", user.pk, month_start(at)),
        lambda: _company_panel(user, at=at),
        companies=company_ids_visible_to(user, MANAGE_MEMBERS),
    )


def _company_panel(user, *, at: datetime) -> CompanyPanel:
    members = list(buyers_month_spend(user, at=at))
    shown = members[:BUYERS_SHOWN]
    if not any(member.spent > 0 for member in shown):
        return CompanyPanel(buyers=len(members), spend=None, more=0)
    month = format_date(timezone.localtime(at), "F Y")
    data = []
    for member in shown:
        currency, budget = member.company.currency, member.monthly_budget
        data.append(
            Datum(
                label=member.user.get_username(),
                value=member.spent,
                text=format_money(member.spent, currency),
                reference=budget,
                reference_text=format_money(budget, currency) if budget is not None else "None",
                note="over budget" if budget is not None and member.spent > budget else "",
            )
        )
    chart = bar_chart(
        key="company-spend-chart",
        title=f"Spend per buyer in {month} against their monthly budgets",
        caption="Net totals of pending, approved and shipped orders submitted this month; "
        "each mark is that buyer's monthly budget.",
        label_heading="Buyer",
        value_heading="Spent (net)",
        reference_heading="Monthly budget",
        data=data,
    )
    return CompanyPanel(buyers=len(members), spend=chart, more=len(members) - len(shown))


# -- warehouse --------------------------------------------------------------------------


@dataclass(frozen=True)
class WarehousePanel:
    today: WarehouseToday
    shipped: ColumnChart | None  # None: nothing shipped in the days it covers
    period: str = f"the last {SHIPPED_DAYS} days"


def warehouse_panel(user, *, today: date) -> WarehousePanel:
    """Picks waiting, low stock and orders shipped per day: four queries, none once cached
    (but the data versions, which a reading request has read already)."""
    # Low stock and shipments are cached until a stock level changes (every shipment
    # moves one); the picks waiting until an order moves (``picks_waiting``).
    days, low = versions.cached(
        versions.CATALOG,
        ("warehouse-stock", sorted(warehouse_ids_of(user)), today),
        lambda: (shipped_per_day(user, days=SHIPPED_DAYS, today=today), low_stock(user)),
    )
    chart = column_chart(
        key="shipped-chart",
        title=f"Orders shipped per day, last {SHIPPED_DAYS} days",
        caption=f"Orders shipped from your warehouses, {format_date(days[0][0], 'j M')} "
        f"to {format_date(days[-1][0], 'j M')}.",
        label_heading="Day",
        value_heading="Orders shipped",
        data=[
            Datum(
                label=format_date(day, "l j F"),
                short=format_date(day, "j"),
                value=count,
                text=str(count),
            )
            for day, count in days
        ],
    )
    return WarehousePanel(
        today=warehouse_today(user, low=low), shipped=None if chart.is_empty else chart
    )


# -- finance ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FinancePanel:
    today: FinanceToday
    aging: list[ColumnChart]  # one per currency owed
    cash: list[ColumnChart]  # one per currency received in the weeks it covers
    period: str = f"the last {CASH_WEEKS} weeks"


def finance_panel(user, *, today: date) -> FinancePanel:
    """Overdue, the aging, this week's invoices and cash received per week. Five queries."""
    invoices = invoices_visible_to(user)
    # The sums over every invoice are cached until an invoice, payment, refund or company
    # changes; payments needing attention are counted afresh.
    report, received = versions.cached(
        (versions.INVOICES, versions.CATALOG),
        ("finance-panel", versions.query_of(invoices), today),
        lambda: (finance_today(invoices, today), cash_by_week(invoices, today, weeks=CASH_WEEKS)),
    )
    report = replace(report, attention=PaymentIssue.objects.count())
    cash = [
        column_chart(
            key=f"cash-chart-{currency}",
            title=f"{currency} received per week, last {CASH_WEEKS} weeks",
            caption=f"{currency}: payments received, by the week they came in "
            "(Monday to Sunday); refunds not deducted.",
            label_heading="Week",
            value_heading="Received",
            data=[
                Datum(
                    label=f"Week of {format_date(monday, 'j F Y')}",
                    short=format_date(monday, "j M"),
                    value=amount,
                    text=format_money(amount, currency),
                )
                for monday, amount in weeks
            ],
        )
        for currency, weeks in received.items()
    ]
    return FinancePanel(today=report, aging=aging_chart(report.aging_totals), cash=cash)


# -- the page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    roles: frozenset[str]
    buyer: BuyerPanel | None
    approver: ApproverPanel | None
    company: CompanyPanel | None
    warehouse: WarehousePanel | None
    finance: FinancePanel | None

    @property
    def show_operator(self) -> bool:
        return "operator" in self.roles


def dashboard_for(user, roles: frozenset[str], *, at: datetime | None = None) -> Dashboard:
    """The panels the user's roles open, as of ``at`` (now)."""
    at = at or timezone.now()
    today = timezone.localtime(at).date()
    # Customer roles come from a membership of an active company (``roles_of``).
    customer = bool(roles & CUSTOMER_ROLES)
    decides = bool(roles & DECIDING_ROLES)
    return Dashboard(
        roles=roles,
        buyer=buyer_panel(user, at=at) if customer else None,
        approver=approver_panel(user, at=at) if decides else None,
        company=company_panel(user, at=at) if "company_admin" in roles else None,
        warehouse=warehouse_panel(user, today=today) if "warehouse" in roles else None,
        finance=finance_panel(user, today=today) if "finance" in roles else None,
    )
