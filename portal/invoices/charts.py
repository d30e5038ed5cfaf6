"""The aging chart: one column chart per currency, a column per bucket (``portal.charts``)."""

from decimal import Decimal

from portal.charts import ColumnChart, Datum, column_chart
from portal.invoices.selectors import BUCKET_LABELS
from pricing.currencies import format_money


def aging_chart(totals: dict[str, list[Decimal]]) -> list[ColumnChart]:
    """One chart per currency, scaled to that currency's largest bucket; overdue buckets
    (all but "Current") in the overdue tone."""
    return [
        column_chart(
            key=f"aging-chart-{currency}",
            title=f"Open {currency} by days past due",
            caption=f"{currency}: open amounts, current and days past due",
            label_heading="Days past due",
            value_heading="Open",
            data=[
                Datum(
                    label=label,
                    value=amount,
                    text=format_money(amount, currency),
                    tone="overdue" if index > 0 else "",
                )
                for index, (label, amount) in enumerate(zip(BUCKET_LABELS, amounts, strict=True))
            ],
        )
        for currency, amounts in totals.items()
    ]
