"""Quick order: pasted lines or an uploaded CSV of ``SKU, quantity`` checked row by row (SPEC 3).

``parse_quick_order()`` reads the text and looks every SKU up in one query; ``read_upload()``
turns an uploaded file into that text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models.functions import Upper

from portal.catalog.models import Product
from portal.orders.services import LINE_QUANTITY_MAX, line_quantity_errors

MAX_LINES = 1000
MAX_UPLOAD_BYTES = 256 * 1024
# A paste is held to the same size as a file, so neither route can hand us megabytes to split.
MAX_TEXT_CHARS = MAX_UPLOAD_BYTES

QUANTITY_MISSING = "Quantity is missing."
QUANTITY_NOT_WHOLE = "Quantity must be a whole number of at least 1."
QUANTITY_TOO_LARGE = f"Quantity must be at most {LINE_QUANTITY_MAX:,}."
SKU_MISSING = "SKU is missing."
TOO_MANY_FIELDS = "Expected a SKU and a quantity, e.g. 'BOLT-M8-50, 50'."
EMPTY_INPUT = "Paste or upload at least one line with a SKU and a quantity."

# Textareas send \r\n, old Mac exports \r; str.splitlines() would also break on form feeds and
# other rare separators, and line numbers would then disagree with what the user sees.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Comma, semicolon or tab with any blanks around it; otherwise a run of blanks.
_SEPARATOR = re.compile(r"\s*[,;\t]\s*|\s+")
# Spreadsheets export empty rows as ";;;": such a line holds nothing to order.
_BLANK_LINE = re.compile(r'[\s,;"]*')
# \d and int() accept every Unicode digit ("٣"); quantities are typed in ASCII.
_DIGITS = re.compile(r"[0-9]+")
_HEADER_SKU = {"sku"}
_HEADER_QUANTITY = {"quantity", "qty"}
_SKU_MAX_LENGTH = Product._meta.get_field("sku").max_length


class QuickOrderInputError(ValueError):
    """The input as a whole cannot be read; the message is meant for the user."""


@dataclass
class QuickOrderRow:
    """One product and quantity, from one line or from several lines naming the same product."""

    line_no: int
    text: str
    sku: str
    quantity: int | None
    product: Product | None
    errors: list[str] = field(default_factory=list)


@dataclass
class QuickOrder:
    """Rows ready for the cart, rows to fix, or one error about the whole input."""

    valid: list[QuickOrderRow] = field(default_factory=list)
    invalid: list[QuickOrderRow] = field(default_factory=list)
    error: str | None = None

    @property
    def invalid_text(self) -> str:
        """The invalid lines as typed, for the textarea, so only those need fixing."""
        return "\n".join(row.text for row in self.invalid)

    def refuse(self, refused: dict[int, list[str]]) -> None:
        """Move the rows of the products the cart refused (product id -> reasons) to ``invalid``."""
        for row in self.valid:
            if row.product.pk in refused:
                row.errors.extend(refused[row.product.pk])
                self.invalid.append(row)
        self.valid = [row for row in self.valid if row.product.pk not in refused]
        self.invalid.sort(key=lambda row: row.line_no)


def parse_quick_order(text: str) -> QuickOrder:
    """Check every ``SKU, quantity`` line of ``text``, merging lines of the same product."""
    if len(text) > MAX_TEXT_CHARS:
        return QuickOrder(error=f"Paste at most {MAX_TEXT_CHARS // 1024} KB at a time.")
    lines = [
        (line_no, line)
        for line_no, line in enumerate(_LINE_BREAK.split(text), start=1)
        if not _BLANK_LINE.fullmatch(line)
    ]
    if lines and _is_header(lines[0][1]):
        lines = lines[1:]
    if not lines:
        return QuickOrder(error=EMPTY_INPUT)
    # Counted before any lookup so that an accidental huge paste costs no query.
    if len(lines) > MAX_LINES:
        return QuickOrder(
            error=f"Paste at most {MAX_LINES:,} lines at a time (you pasted {len(lines):,})."
        )

    rows = [_read_line(line_no, line) for line_no, line in lines]
    products = _products_by_sku({row.sku for row in rows})
    merged: dict[int, QuickOrderRow] = {}
    invalid = []
    for row in rows:
        _match_product(row, products)
        if row.errors:
            invalid.append(row)
        elif (first := merged.get(row.product.pk)) is None:
            merged[row.product.pk] = row
        else:
            first.quantity += row.quantity
            first.text = f"{first.text}\n{row.text}"

    valid = []
    for row in merged.values():
        # The rules hold for what goes into the cart, which is the sum of the lines; the cart
        # checks them again on the sum with what it already holds.
        row.errors.extend(line_quantity_errors(row.product, row.quantity))
        (invalid if row.errors else valid).append(row)
    invalid.sort(key=lambda row: row.line_no)
    return QuickOrder(valid=valid, invalid=invalid)


def read_upload(uploaded_file) -> str:
    """The text of an uploaded CSV; raises ``QuickOrderInputError`` if too big or not UTF-8."""
    too_big = (
        f"The file is larger than {MAX_UPLOAD_BYTES // 1024} KB; split it and upload each part."
    )
    if uploaded_file.size is not None and uploaded_file.size > MAX_UPLOAD_BYTES:
        raise QuickOrderInputError(too_big)
    # Read one byte past the limit in case the declared size is wrong.
    data = uploaded_file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise QuickOrderInputError(too_big)
    try:
        # utf-8-sig drops the byte-order mark Excel puts in front of "CSV UTF-8" files.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise QuickOrderInputError(
            "The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again."
        ) from None
    # PostgreSQL refuses NUL in strings, and a text file has none: this is a binary file.
    if "\x00" in text:
        raise QuickOrderInputError("The file is not a CSV text file.")
    return text


def _fields(line: str) -> list[str]:
    fields = [value.strip().strip('"') for value in _SEPARATOR.split(line.strip())]
    # Spreadsheets often end rows with an empty column: "BOLT-M8-50;50;".
    while len(fields) > 1 and not fields[-1]:
        fields.pop()
    return fields


def _is_header(line: str) -> bool:
    fields = [value.lower() for value in _fields(line)]
    return len(fields) == 2 and fields[0] in _HEADER_SKU and fields[1] in _HEADER_QUANTITY


def _read_line(line_no: int, line: str) -> QuickOrderRow:
    fields = _fields(line)
    sku = fields[0]
    raw_quantity = fields[1] if len(fields) > 1 else ""
    errors = [] if sku else [SKU_MISSING]
    quantity = None
    if len(fields) > 2:
        errors.append(TOO_MANY_FIELDS)
    else:
        quantity, error = _quantity(raw_quantity)
        if error:
            errors.append(error)
    return QuickOrderRow(
        line_no=line_no, text=line, sku=sku, quantity=quantity, product=None, errors=errors
    )


def _quantity(raw: str) -> tuple[int | None, str | None]:
    if not raw:
        return None, QUANTITY_MISSING
    if not _DIGITS.fullmatch(raw):
        return None, QUANTITY_NOT_WHOLE
    digits = raw.lstrip("0")
    if not digits:
        return None, QUANTITY_NOT_WHOLE
    # Compare lengths first: int() of thousands of digits is slow, then refused.
    if len(digits) > len(str(LINE_QUANTITY_MAX)) or int(digits) > LINE_QUANTITY_MAX:
        return None, QUANTITY_TOO_LARGE
    return int(digits), None


def _products_by_sku(skus: set[str]) -> dict[str, list[Product]]:
    # What cannot be a SKU stays out of the query, NUL above all, which PostgreSQL refuses.
    keys = {
        sku.upper() for sku in skus if sku and len(sku) <= _SKU_MAX_LENGTH and "\x00" not in sku
    }
    if not keys:
        return {}
    found: dict[str, list[Product]] = {}
    for product in Product.objects.annotate(sku_upper=Upper("sku")).filter(sku_upper__in=keys):
        found.setdefault(product.sku.upper(), []).append(product)
    return found


def _match_product(row: QuickOrderRow, products: dict[str, list[Product]]) -> None:
    if not row.sku:
        return
    candidates = products.get(row.sku.upper(), [])
    # SKUs are unique only as typed, so "ab-1" and "AB-1" may both exist; the exact one wins.
    exact = [product for product in candidates if product.sku == row.sku]
    matches = exact or candidates
    if not matches:
        row.errors.insert(0, f"Unknown SKU '{row.sku}'.")
    elif len(matches) > 1:
        row.errors.insert(0, f"SKU '{row.sku}' matches several products; type it exactly.")
    else:
        row.product = matches[0]
        if not row.product.is_active:
            # The pricing engine's wording, so the cart and the quick order say the same thing.
            row.errors.insert(0, f"{row.product.sku} is no longer sold.")
