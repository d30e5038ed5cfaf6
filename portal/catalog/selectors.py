"""Reads of the catalog beyond a plain lookup."""

from django.db.models import Case, IntegerField, Q, Value, When

from portal.catalog.models import Product
from portal.catalog.permissions import products_visible_to

SUGGESTIONS = 8


def product_suggestions(user, text: str, *, limit: int = SUGGESTIONS) -> list[Product]:
    """Up to ``limit`` products ``user`` may see whose SKU or name holds ``text`` (any case):
    SKUs that start with it first, then by SKU. One query, on the trigram indexes."""
    text = text.strip()
    if not text:
        return []
    sku_first = Case(
        When(sku__istartswith=text, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return list(
        products_visible_to(user)
        .select_related(None)
        .filter(Q(sku__icontains=text) | Q(name__icontains=text))
        .only("sku", "name", "min_qty", "increment", "max_qty")
        .order_by(sku_first, "sku")[:limit]
    )
