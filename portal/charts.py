"""Charts drawn on the server as inline SVG: the geometry is worked out here, the templates
(``components/_chart_columns.html``, ``components/_chart_bars.html``) only print it.

Two kinds, both scaled to their largest figure or reference, whichever is larger:

- ``column_chart``: one column per category or period (aging buckets, months, days), with
  an optional horizontal reference line across them, such as a monthly budget;
- ``bar_chart``: one horizontal bar per row (a buyer), each with an optional mark of its
  own, such as that buyer's budget.

A figure above its reference is drawn in the ``over`` tone. Every chart keeps its figures
as text too, for the data table printed with the picture.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

Number = Decimal | int

WIDTH = 520
COLUMN_HEIGHT = 200
TOP = 24  # room for the figure above the tallest column
BOTTOM = 28  # room for the labels under the columns
GAP = 12  # between columns, and at either end
CHAR_WIDTH = 7  # a generous width of one character at the charts' 12px type
BAR_ROW = 30  # one horizontal bar and the space below it
BAR_THICKNESS = 18
BAR_LABEL_WIDTH = 140  # the row labels, left of the bars
BAR_VALUE_WIDTH = 120  # the figures, right of the bars, at least
BAR_PLOT_WIDTH = 200  # the bars themselves, at least
LABEL_CHARS = 18  # longer row labels are shortened in the picture (the table has them whole)


@dataclass(frozen=True)
class Datum:
    """One figure to chart. ``text`` is the figure as people read it (money formatted);
    ``short`` is a shorter label for under a column; ``reference`` is this row's own mark
    on a bar chart; ``note`` goes beside the figure in the data table."""

    label: str
    value: Number
    text: str
    short: str = ""
    tone: str = ""
    reference: Number | None = None
    reference_text: str = ""
    note: str = ""


@dataclass(frozen=True)
class Reference:
    """A line across a column chart at ``value``, named ``label`` ("Budget") and ``text``
    (the amount) in a margin right of the columns, where no column can hide them."""

    value: Number
    label: str
    text: str


def _text_width(text: str) -> int:
    return CHAR_WIDTH * len(text)


def _scaled(value: Number, largest: Number, length: int) -> int:
    """``value`` as a length out of ``length`` for ``largest``: at least 2 when above zero,
    so that a small figure still shows."""
    if value <= 0 or largest <= 0:
        return 0
    return min(length, max(2, int(Decimal(length) * Decimal(value) / Decimal(largest))))


def _tone(datum: Datum, reference: Number | None) -> str:
    if datum.tone:
        return datum.tone
    return "over" if reference is not None and datum.value > reference else ""


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


@dataclass(frozen=True)
class Column:
    datum: Datum
    x: int
    y: int
    width: int
    height: int
    tone: str

    @property
    def label(self) -> str:
        return self.datum.label

    @property
    def short(self) -> str:
        return self.datum.short or self.datum.label

    @property
    def text(self) -> str:
        return self.datum.text

    @property
    def centre(self) -> int:
        return self.x + self.width // 2

    @property
    def text_y(self) -> int:
        return self.y - 6


@dataclass(frozen=True)
class ReferenceLine:
    label: str
    text: str
    y: int  # never above TOP, so there is room for the label above the line

    @property
    def label_y(self) -> int:
        return self.y - 5

    @property
    def text_y(self) -> int:
        return self.y + 15


@dataclass(frozen=True)
class ColumnChart:
    key: str  # the figure's data-testid and the root of its element ids: unique on a page
    title: str
    caption: str
    label_heading: str
    value_heading: str
    columns: list[Column]
    reference: ReferenceLine | None
    width: int
    height: int = COLUMN_HEIGHT

    @property
    def baseline(self) -> int:
        return self.height - BOTTOM

    @property
    def label_y(self) -> int:
        return self.height - 8

    @property
    def reference_x(self) -> int:
        return self.width - 4

    @property
    def is_empty(self) -> bool:
        return all(column.datum.value <= 0 for column in self.columns)

    @property
    def has_notes(self) -> bool:
        return any(column.datum.note for column in self.columns)


def column_chart(
    *,
    key: str,
    title: str,
    caption: str,
    label_heading: str,
    value_heading: str,
    data: Sequence[Datum],
    reference: Reference | None = None,
) -> ColumnChart:
    """Columns left to right in ``data``'s order, scaled to the largest figure or the
    reference, whichever is larger; the chart widens when its figures need the room."""
    if not data:
        raise ValueError("A chart needs at least one figure.")
    limit = reference.value if reference is not None else None
    largest = max([d.value for d in data] + ([limit] if limit is not None else []))
    widest = max(_text_width(t) for d in data for t in (d.text, d.short or d.label))
    margin = 0
    if reference is not None:
        margin = max(_text_width(reference.label), _text_width(reference.text)) + GAP
    slot = max((WIDTH - GAP - margin) // len(data), widest + GAP)
    width = max(WIDTH, GAP + slot * len(data) + margin)
    plot = COLUMN_HEIGHT - TOP - BOTTOM
    baseline = COLUMN_HEIGHT - BOTTOM
    columns = []
    for index, datum in enumerate(data):
        height = _scaled(datum.value, largest, plot)
        columns.append(
            Column(
                datum=datum,
                x=GAP + index * slot,
                y=baseline - height,
                width=slot - GAP,
                height=height,
                tone=_tone(datum, limit),
            )
        )
    line = None
    if reference is not None:
        line = ReferenceLine(
            label=reference.label,
            text=reference.text,
            y=baseline - _scaled(limit, largest, plot),
        )
    return ColumnChart(
        key=key,
        title=title,
        caption=caption,
        label_heading=label_heading,
        value_heading=value_heading,
        columns=columns,
        reference=line,
        width=width,
    )


@dataclass(frozen=True)
class Bar:
    datum: Datum
    x: int
    y: int
    width: int
    height: int
    tone: str
    mark_x: int | None  # where this row's reference falls, if it has one

    @property
    def label(self) -> str:
        return self.datum.label

    @property
    def short(self) -> str:
        return self.datum.short or _short(self.datum.label)

    @property
    def text(self) -> str:
        """The figure beside the bar: "€2,984.80 of €10,000.00" when the row has a mark."""
        if self.datum.reference is None:
            return self.datum.text
        return f"{self.datum.text} of {self.datum.reference_text}"

    @property
    def text_y(self) -> int:
        return self.y + self.height // 2 + 4

    @property
    def mark_top(self) -> int:
        return self.y - 4

    @property
    def mark_bottom(self) -> int:
        return self.y + self.height + 4


@dataclass(frozen=True)
class BarChart:
    key: str
    title: str
    caption: str
    label_heading: str
    value_heading: str
    reference_heading: str
    bars: list[Bar]
    width: int
    height: int
    value_x: int  # where the figures start, right of the longest bar

    @property
    def axis_x(self) -> int:
        return BAR_LABEL_WIDTH

    @property
    def label_x(self) -> int:
        return BAR_LABEL_WIDTH - 8

    @property
    def axis_bottom(self) -> int:
        return self.height - GAP + 4

    @property
    def has_references(self) -> bool:
        return any(bar.mark_x is not None for bar in self.bars)

    @property
    def has_notes(self) -> bool:
        return any(bar.datum.note for bar in self.bars)

    @property
    def is_empty(self) -> bool:
        return all(bar.datum.value <= 0 for bar in self.bars)


def bar_chart(
    *,
    key: str,
    title: str,
    caption: str,
    label_heading: str,
    value_heading: str,
    reference_heading: str = "",
    data: Sequence[Datum],
) -> BarChart:
    """Horizontal bars top to bottom in ``data``'s order, all on one scale: the largest
    figure or row reference, whichever is larger. A row's reference is a mark across it."""
    if not data:
        raise ValueError("A chart needs at least one figure.")
    largest = max([d.value for d in data] + [d.reference for d in data if d.reference is not None])
    texts = [d.text + (f" of {d.reference_text}" if d.reference is not None else "") for d in data]
    figures = max(BAR_VALUE_WIDTH, max(_text_width(t) for t in texts) + 2 * GAP)
    width = max(WIDTH, BAR_LABEL_WIDTH + BAR_PLOT_WIDTH + figures)
    plot = width - BAR_LABEL_WIDTH - figures
    bars = []
    for index, datum in enumerate(data):
        y = GAP + index * BAR_ROW + (BAR_ROW - BAR_THICKNESS) // 2
        mark = None
        if datum.reference is not None:
            mark = BAR_LABEL_WIDTH + _scaled(datum.reference, largest, plot)
        bars.append(
            Bar(
                datum=datum,
                x=BAR_LABEL_WIDTH,
                y=y,
                width=_scaled(datum.value, largest, plot),
                height=BAR_THICKNESS,
                tone=_tone(datum, datum.reference),
                mark_x=mark,
            )
        )
    return BarChart(
        key=key,
        title=title,
        caption=caption,
        label_heading=label_heading,
        value_heading=value_heading,
        reference_heading=reference_heading,
        bars=bars,
        width=width,
        height=2 * GAP + len(data) * BAR_ROW,
        value_x=BAR_LABEL_WIDTH + plot + GAP,
    )
