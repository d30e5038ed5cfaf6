"""How availability looks everywhere: ``{% stock_badge availability %}``."""

from django import template
from django.utils.html import format_html

from inventory.selectors import Availability, StockStatus

register = template.Library()


@register.simple_tag
def stock_badge(availability: Availability | None) -> str:
    """'In stock', 'Low stock: 12 left' or 'Out of stock', as a badge."""
    if availability is None:
        return ""
    if availability.status == StockStatus.LOW:
        return format_html(
            '<span class="stock stock-low" data-testid="availability">{}: {} left</span>',
            availability.label,
            availability.available,
        )
    return format_html(
        '<span class="stock stock-{}" data-testid="availability">{}</span>',
        availability.status,
        availability.label,
    )
