"""Path converters for the portal's keys: a malformed key never reaches a view (404).

Importing this module registers them; every URLconf that uses them imports it.
"""

from django.urls import register_converter


class SkuConverter:
    # Anything a SKU may hold (up to 40 characters) but a slash or a NUL byte.
    regex = r"[^/\x00]{1,40}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class OrderNumberConverter(SkuConverter):
    regex = r"ORD-[0-9]{6,12}"


class WarehouseCodeConverter(SkuConverter):
    regex = r"[-a-zA-Z0-9_]{1,20}"


class InvoiceNumberConverter(SkuConverter):
    regex = r"(?:INV|CN)-[0-9]{4}-[0-9]{5,9}"


register_converter(SkuConverter, "sku")
register_converter(InvoiceNumberConverter, "invoice")
register_converter(OrderNumberConverter, "order")
register_converter(WarehouseCodeConverter, "warehouse")
