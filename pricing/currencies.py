"""Currency minor units, rounding and display: the one place that knows about currencies."""

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 minor units; a currency missing here is treated as having two.
MINOR_UNITS: dict[str, int] = {
    "EUR": 2,
    "USD": 2,
    "GBP": 2,
    "CHF": 2,
    "CAD": 2,
    "AUD": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "PLN": 2,
    "CZK": 2,
    "CNY": 2,
    "JPY": 0,
    "KRW": 0,
    "ISK": 0,
    "BHD": 3,
    "KWD": 3,
    "OMR": 3,
}
SYMBOLS: dict[str, str] = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}

_EXPONENTS = {code: Decimal(1).scaleb(-digits) for code, digits in MINOR_UNITS.items()}
_DEFAULT_EXPONENT = Decimal("0.01")


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of ``currency``: Decimal('0.01') for EUR, Decimal('1') for JPY."""
    return _EXPONENTS.get(currency, _DEFAULT_EXPONENT)


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round to the currency's minor unit, half away from zero (ROUND_HALF_UP on Decimal)."""
    return amount.quantize(_EXPONENTS.get(currency, _DEFAULT_EXPONENT), rounding=ROUND_HALF_UP)


def format_money(amount: Decimal | None, currency: str) -> str:
    """'€1,234.50', '$165.00', '¥1,200', 'CHF 12.00'; the amount is rounded for display."""
    if amount is None:
        return ""
    text = f"{quantize(amount, currency):,}"
    symbol = SYMBOLS.get(currency)
    sign = ""
    if text.startswith("-"):
        sign, text = "−", text[1:]
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{currency} {text}"


def format_percent(percent: Decimal) -> str:
    """'-10 %' (with a true minus sign) or '+2.5 %': signed, no trailing zeros."""
    text = f"{abs(percent).normalize():f}"
    return f"{'−' if percent < 0 else '+'}{text} %"
