"""What the portal's tables share.

django-tables2 sorts, pages, heads and exports the tables; their rows are prepared in
Python and printed by one template loop (see ``ProductTable.prepared_rows``), which
costs a fraction of rendering each cell through the column machinery.
"""

from django.urls import reverse


class RowUrl:
    """A URL that differs from row to row only by its arguments, reversed once.

    ``RowUrl("stock-detail", "WAREHOUSE0", "SKU0")`` reverses the route with those
    placeholders, which must match the route's converters; ``.of(code, sku)`` puts each
    row's own values in their place. The values are keys the same converters accept
    (SKUs, order and invoice numbers, warehouse codes), which need no quoting.
    """

    def __init__(self, name: str, *placeholders: str):
        self.url = reverse(name, args=placeholders)
        self.placeholders = placeholders

    def of(self, *values) -> str:
        url = self.url
        for placeholder, value in zip(self.placeholders, values, strict=True):
            url = url.replace(placeholder, str(value), 1)
        return url
