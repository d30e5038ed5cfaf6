from decimal import Decimal, InvalidOperation

from django import template

from pricing.currencies import format_money

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """``{{ amount|money:currency }}`` → "€119.00"; empty for a missing amount."""
    if amount in (None, ""):
        return ""
    try:
        return format_money(Decimal(amount), currency)
    except (InvalidOperation, TypeError, ValueError):
        return ""
