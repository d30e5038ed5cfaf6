"""The aging chart, drawn on the server as inline SVG: one bar per bucket, per currency."""

from dataclasses import dataclass
from decimal import Decimal

from portal.invoices.selectors import Aging
from pricing.currencies import format_money

WIDTH = 520
HEIGHT = 200
TOP = 24  # room for the amount above the tallest bar
BOTTOM = 28  # room for the bucket labels
BAR_GAP = 16


@dataclass(frozen=True)
class Bar:
    label: str
    amount: str
    x: int
    y: int
    width: int
    height: int
    overdue: bool

    @property
    def centre(self) -> int:
        return self.x + self.width // 2


@dataclass(frozen=True)
class Chart:
    currency: str
    bars: list[Bar]
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def baseline(self) -> int:
        return self.height - BOTTOM

    @property
    def label_y(self) -> int:
        return self.height - 8


def aging_chart(aging: Aging) -> list[Chart]:
    """One chart per currency, bars scaled to that currency's largest bucket."""
    charts = []
    plot = HEIGHT - TOP - BOTTOM
    for currency, amounts in aging.totals.items():
        largest = max(amounts) or Decimal(1)
        width = (WIDTH - BAR_GAP * (len(amounts) + 1)) // len(amounts)
        bars = []
        for index, (label, amount) in enumerate(zip(aging.labels, amounts, strict=True)):
            height = int(plot * amount / largest) if amount > 0 else 0
            height = max(height, 2) if amount > 0 else 0
            bars.append(
                Bar(
                    label=label,
                    amount=format_money(amount, currency),
                    x=BAR_GAP + index * (width + BAR_GAP),
                    y=HEIGHT - BOTTOM - height,
                    width=width,
                    height=height,
                    overdue=index > 0,
                )
            )
        charts.append(Chart(currency=currency, bars=bars))
    return charts
