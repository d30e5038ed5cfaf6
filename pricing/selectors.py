"""Reads for operators: CSV export of a list and the audit trail of one object."""

import csv
import io

from django.db.models import Min, Q

from pricing.currencies import quantize
from pricing.models import Contract, PriceList, PriceListEntry
from pricing.services import CSV_COLUMNS


def price_list_entries_csv(*, price_list: PriceList) -> str:
    """The list's entries as CSV (sku,min_qty,unit_price), the format the import reads back.

    Prices keep the currency's minor unit (12.50, not 12.5000) unless they are finer.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    rows = (
        PriceListEntry.objects.filter(price_list=price_list)
        .order_by("product__sku", "min_qty")
        .values_list("product__sku", "min_qty", "unit_price")
    )
    for sku, min_qty, price in rows:
        rounded = quantize(price, price_list.currency)
        text = str(rounded) if rounded == price else f"{price.normalize():f}"
        writer.writerow([sku, min_qty, text])
    return out.getvalue()


def next_validity_change(at):
    """The first moment after ``at`` when a price list or contract starts or ends (None if
    none will): prices worked out before it may differ after it. Two queries."""
    moments = []
    for model in (PriceList, Contract):
        found = model.objects.filter(Q(valid_from__gt=at) | Q(valid_to__gt=at)).aggregate(
            starts=Min("valid_from", filter=Q(valid_from__gt=at)),
            ends=Min("valid_to", filter=Q(valid_to__gt=at)),
        )
        moments.extend(moment for moment in found.values() if moment is not None)
    return min(moments, default=None)
