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
    row's own values in their places. The values are keys the same converters accept
    (SKUs, order and invoice numbers, warehouse codes, ids), which need no quoting.
    """

    def __init__(self, name: str, *placeholders):
        rest = reverse(name, args=placeholders)
        self.parts = []  # the literal text around the arguments, in order
        for placeholder in map(str, placeholders):
            before, found, rest = rest.partition(placeholder)
            if not found:
                raise ValueError(f"{placeholder!r} is not in the URL of {name!r}")
            self.parts.append(before)
        self.parts.append(rest)

    def of(self, *values) -> str:
        if len(values) != len(self.parts) - 1:
            raise TypeError(f"{len(self.parts) - 1} arguments, not {len(values)}")
        pieces = [self.parts[0]]
        for value, after in zip(values, self.parts[1:], strict=True):
            pieces += [str(value), after]
        return "".join(pieces)
