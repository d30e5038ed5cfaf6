"""``{% chart c %}``: a chart from ``portal.charts``, printed by its template.

A chart is a frozen dataclass whose every field reaches its picture, so the HTML it
prints is a function of its ``repr``: each process keeps the latest few hundred
charts it printed under that ``repr``, and a dashboard whose figures did not change
is printed without walking the chart's template again (a chart is a few hundred
variables, most of a dashboard's rendering). The key is the chart itself, so a
changed figure is simply another key; nothing is ever stale.
"""

import threading
from collections import OrderedDict

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from portal.charts import BarChart, ColumnChart

register = template.Library()

TEMPLATES = {
    ColumnChart: "components/_chart_columns.html",
    BarChart: "components/_chart_bars.html",
}
KEPT = 256  # charts kept per process: a few kilobytes each

_printed: OrderedDict[str, SafeString] = OrderedDict()
_lock = threading.Lock()


def chart_html(chart: ColumnChart | BarChart) -> SafeString:
    key = repr(chart)
    with _lock:
        html = _printed.get(key)
        if html is not None:
            _printed.move_to_end(key)
            return html
    html = render_to_string(TEMPLATES[type(chart)], {"chart": chart})
    with _lock:
        _printed[key] = html
        while len(_printed) > KEPT:
            _printed.popitem(last=False)
    return html


@register.simple_tag
def chart(value: ColumnChart | BarChart) -> SafeString:
    """``{% chart panel.spend %}``."""
    return chart_html(value)
