"""Path converters for the portal's keys: they match only keys the portal makes.

A malformed key (a NUL byte, a space, a number in a format never issued) resolves to no
URL at all, so it is a plain 404 and never reaches a view or the database.
Importing this module registers them; every URLconf that uses them imports it.
"""

from django.urls import register_converter

from portal.catalog.models import SKU_PATTERN


class KeyConverter:
    regex: str

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class SkuConverter(KeyConverter):
    regex = SKU_PATTERN


class OrderNumberConverter(KeyConverter):
    # As order_number_next() makes them: f"ORD-{n:06d}", so six digits, and more without a
    # leading zero once the sequence passes 999999 (up to the 20 characters of Order.number).
    regex = r"ORD-(?:[0-9]{6}|[1-9][0-9]{6,15})"


class WarehouseCodeConverter(KeyConverter):
    # Warehouse.code is a SlugField of at most 20 characters.
    regex = r"[-a-zA-Z0-9_]{1,20}"


class InvoiceNumberConverter(KeyConverter):
    # As document_number_next() makes them: f"{series}-{year}-{n:05d}", n a positive integer.
    regex = r"(?:INV|CN)-[1-9][0-9]{3}-(?:[0-9]{5}|[1-9][0-9]{5,9})"


register_converter(SkuConverter, "sku")
register_converter(InvoiceNumberConverter, "invoice")
register_converter(OrderNumberConverter, "order")
register_converter(WarehouseCodeConverter, "warehouse")
