"""The pricing engine: what one company pays for many lines at one moment (SPEC section 2).

``quote()`` is the one entry point. It loads every candidate price for all the lines in a
fixed number of queries, then resolves each line in Python: sources in order (contract,
company lists by priority, group lists by priority, the currency's default list), the tier
with the highest ``min_qty <= quantity``, rule lists as a percentage of their parent at the
same quantity, and one rounding of the unit price to the currency's minor unit.

Explanations, next-tier hints and tier tables are worked out only when asked for, so that
pricing a whole catalog does not pay for strings nobody reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from django.db.models import F, Q
from django.utils import timezone

from portal import versions
from portal.accounts.models import Company
from portal.catalog.models import Product
from pricing.currencies import format_money, format_percent, quantize
from pricing.models import (
    CompanyPriceList,
    CompanyPricing,
    ContractPrice,
    GroupPriceList,
    PriceList,
    PriceListEntry,
    Strategy,
)
from pricing.selectors import next_validity_change

# The database refuses cycles of parent lists; this only bounds the walk if one slipped in.
MAX_RULE_DEPTH = 16
HUNDRED = Decimal(100)

Tiers = list[tuple[int, Decimal]]  # (min_qty, unit price), ascending min_qty


class Priced(Protocol):
    """What the engine reads of a product to price it: a ``Product``, whole or loaded with
    only these fields, or anything else that has them."""

    id: int
    sku: str
    min_qty: int
    increment: int
    max_qty: int | None
    tax_rate: Decimal
    is_active: bool


PRICED_FIELDS = tuple(Priced.__annotations__)


class SourceKind:
    CONTRACT = "contract"
    COMPANY_LIST = "company_list"
    GROUP_LIST = "group_list"
    DEFAULT_LIST = "default_list"


@dataclass(frozen=True, slots=True)
class Tier:
    """From ``min_qty`` on, the customer pays ``unit_price`` each."""

    min_qty: int
    unit_price: Decimal


@dataclass(frozen=True, slots=True)
class NextTier:
    """The next orderable quantity that lowers the unit price, and by how much."""

    min_qty: int
    unit_price: Decimal
    saving: Decimal
    currency: str

    @property
    def hint(self) -> str:
        return (
            f"from {self.min_qty}: {format_money(self.unit_price, self.currency)} each, "
            f"{format_money(self.saving, self.currency)} less per unit"
        )

    def __str__(self) -> str:
        return self.hint


def _valid(start: datetime | None, end: datetime | None, at: datetime) -> bool:
    return (start is None or start <= at) and (end is None or at < end)


def _tier(tiers: Tiers, quantity: int) -> tuple[int, Decimal] | None:
    """The tier with the highest ``min_qty <= quantity`` (tiers are few: a scan is fastest)."""
    found = None
    for tier in tiers:
        if tier[0] > quantity:
            break
        found = tier
    return found


@dataclass(slots=True)
class _List:
    id: int
    name: str
    parent_id: int | None
    percent: Decimal | None
    factor: Decimal
    valid: bool
    is_default: bool


@dataclass(slots=True)
class _Price:
    """An unrounded price and how it came about; ``parent`` is set when a rule derived it."""

    raw: Decimal
    min_qty: int
    label: str
    percent: Decimal | None = None
    parent: _Price | None = None
    overrides_rule: bool = False

    def describe(self, currency: str) -> str:
        """'Wholesale EUR (-10 % of List EUR, tier ≥ 50: €11.20)' without the result."""
        tier = f"tier ≥ {self.min_qty}" if self.min_qty > 1 else ""
        if self.parent is not None:
            parent = self.parent
            inner = parent.describe_inner(currency)
            return f"{self.label} ({format_percent(self.percent)} of {inner})"
        text = self.label
        if self.overrides_rule:
            text += " · own price"
        return f"{text} · {tier}" if tier else text

    def describe_inner(self, currency: str) -> str:
        tier = f", tier ≥ {self.min_qty}" if self.min_qty > 1 and self.parent is None else ""
        if self.parent is not None:
            head = f"{self.label} ({format_percent(self.percent)} of "
            head += f"{self.parent.describe_inner(currency)})"
        else:
            head = self.label
        return f"{head}{tier}: {format_money(self.raw, currency)}"


@dataclass(slots=True)
class _Source:
    kind: str
    label: str
    list_id: int | None = None


class _Candidates:
    """Every candidate price for one company, one moment and a set of products.

    Queries: strategy, lists of the currency, company assignments, group assignments (only
    when the company has a group), entries, contract prices: at most six, whatever the
    number of products.
    """

    def __init__(self, *, company: Company, at: datetime, product_ids: list[int]):
        self.currency = company.currency
        self.strategy = (
            CompanyPricing.objects.filter(company=company)
            .values_list("strategy", flat=True)
            .first()
        ) or Strategy.PRIORITY
        # Lists of another currency never enter this dict, so they cannot price anything.
        self.lists: dict[int, _List] = {}
        for pk, name, parent_id, percent, start, end, is_default in (
            PriceList.objects.filter(currency=self.currency)
            .order_by("name")
            .values_list(
                "id", "name", "parent_id", "percent", "valid_from", "valid_to", "is_default"
            )
        ):
            factor = (HUNDRED + percent) / HUNDRED if percent is not None else Decimal(1)
            self.lists[pk] = _List(
                pk, name, parent_id, percent, factor, _valid(start, end, at), is_default
            )

        company_ids = list(
            CompanyPriceList.objects.filter(company=company)
            .order_by("priority")
            .values_list("price_list_id", flat=True)
        )
        group_ids: list[int] = []
        if company.customer_group_id is not None:
            group_ids = list(
                GroupPriceList.objects.filter(group_id=company.customer_group_id)
                .order_by("priority")
                .values_list("price_list_id", flat=True)
            )
        default_ids = [lst.id for lst in self.lists.values() if lst.is_default]

        self.sources: list[_Source] = [_Source(SourceKind.CONTRACT, "Contract")]
        seen: set[int] = set()
        for kind, ids in (
            (SourceKind.COMPANY_LIST, company_ids),
            (SourceKind.GROUP_LIST, group_ids),
            (SourceKind.DEFAULT_LIST, default_ids),
        ):
            for list_id in ids:
                if list_id in seen or not self._chain_valid(list_id):
                    continue
                seen.add(list_id)
                self.sources.append(_Source(kind, self.lists[list_id].name, list_id))

        needed: set[int] = set()
        for source in self.sources[1:]:
            list_id = source.list_id
            while list_id is not None and list_id not in needed:
                needed.add(list_id)
                list_id = self.lists[list_id].parent_id
        self.entries: dict[int, dict[int, Tiers]] = {pk: {} for pk in needed}
        if needed and product_ids:
            rows = (
                PriceListEntry.objects.filter(price_list_id__in=needed, product_id__in=product_ids)
                .order_by("min_qty")
                .values_list("price_list_id", "product_id", "min_qty", "unit_price")
            )
            for list_id, product_id, min_qty, price in rows:
                self.entries[list_id].setdefault(product_id, []).append((min_qty, price))

        # product id -> (contract id, code, tiers). Where two valid contracts price the same
        # product, the one that started last wins (an open start counts as the earliest).
        self.contracts: dict[int, tuple[int, str, Tiers]] = {}
        if product_ids:
            rows = (
                ContractPrice.objects.filter(
                    contract__company=company,
                    contract__currency=self.currency,
                    product_id__in=product_ids,
                )
                .filter(Q(contract__valid_from__isnull=True) | Q(contract__valid_from__lte=at))
                .filter(Q(contract__valid_to__isnull=True) | Q(contract__valid_to__gt=at))
                .order_by(F("contract__valid_from").asc(nulls_first=True), "contract_id", "min_qty")
                .values_list("contract_id", "contract__code", "product_id", "min_qty", "unit_price")
            )
            for contract_id, code, product_id, min_qty, price in rows:
                held = self.contracts.get(product_id)
                if held is None or held[0] != contract_id:
                    held = (contract_id, code, [])
                    self.contracts[product_id] = held
                held[2].append((min_qty, price))

    def _chain_valid(self, list_id: int) -> bool:
        """A list applies only while it and every list it derives from are valid."""
        current: int | None = list_id
        for _ in range(MAX_RULE_DEPTH + 1):
            if current is None:
                return True
            lst = self.lists.get(current)
            if lst is None or not lst.valid:
                return False
            current = lst.parent_id
        return False

    # -- prices -------------------------------------------------------------------------

    def source_price(self, source: _Source, product_id: int, quantity: int) -> _Price | None:
        if source.list_id is None:
            held = self.contracts.get(product_id)
            if held is None:
                return None
            tier = _tier(held[2], quantity)
            if tier is None:
                return None
            return _Price(tier[1], tier[0], f"Contract {held[1]}")
        return self.list_price(source.list_id, product_id, quantity, 0)

    def list_price(self, list_id: int, product_id: int, quantity: int, depth: int):
        lst = self.lists[list_id]
        tiers = self.entries[list_id].get(product_id)
        if tiers is not None:
            # Own entries replace the rule for this product, tiers and all.
            tier = _tier(tiers, quantity)
            if tier is None:
                return None
            return _Price(tier[1], tier[0], lst.name, overrides_rule=lst.parent_id is not None)
        if lst.parent_id is None or depth >= MAX_RULE_DEPTH:
            return None
        parent = self.list_price(lst.parent_id, product_id, quantity, depth + 1)
        if parent is None:
            return None
        return _Price(parent.raw * lst.factor, parent.min_qty, lst.name, lst.percent, parent)

    def breakpoints(self, product_id: int) -> set[int]:
        """Every quantity at which some source's price for the product may change."""
        found: set[int] = set()
        held = self.contracts.get(product_id)
        if held is not None:
            found.update(tier[0] for tier in held[2])
        for source in self.sources[1:]:
            list_id: int | None = source.list_id
            for _ in range(MAX_RULE_DEPTH + 1):
                if list_id is None:
                    break
                tiers = self.entries[list_id].get(product_id)
                if tiers is not None:
                    found.update(tier[0] for tier in tiers)
                    break
                list_id = self.lists[list_id].parent_id
        return found

    def evaluate(self, product_id: int, quantity: int) -> tuple[Decimal, _Price, str, int] | None:
        """(rounded unit price, how, source kind, applicable prices) or None when unpriced."""
        best = None
        count = 0
        for source in self.sources:
            price = self.source_price(source, product_id, quantity)
            if price is None:
                continue
            unit = quantize(price.raw, self.currency)
            count += 1
            if self.strategy != Strategy.LOWEST:
                return unit, price, source.kind, 1
            # Ties keep the earlier, more specific source.
            if best is None or unit < best[0]:
                best = (unit, price, source.kind)
        if best is None:
            return None
        return best[0], best[1], best[2], count


def orderable_quantity(product: Priced, at_least: int) -> int | None:
    """The smallest quantity >= ``at_least`` that the product's quantity rules allow."""
    quantity = max(at_least, product.min_qty)
    remainder = quantity % product.increment
    if remainder:
        quantity += product.increment - remainder
    if product.max_qty is not None and quantity > product.max_qty:
        return None
    return quantity


def quantity_errors(product: Priced, quantity: int) -> list[str]:
    """Why ``quantity`` cannot be ordered, one message per broken rule."""
    errors = []
    if quantity < product.min_qty:
        errors.append(f"{product.sku}: the minimum order quantity is {product.min_qty}.")
    if quantity % product.increment:
        errors.append(f"{product.sku} is sold in multiples of {product.increment}.")
    if product.max_qty is not None and quantity > product.max_qty:
        errors.append(f"{product.sku}: at most {product.max_qty} per order.")
    return errors


class QuoteLine:
    """One priced line. ``unit_price`` is None (and totals zero) when nothing prices it."""

    __slots__ = (
        "_candidates",
        "_explanation",
        "_next_tier",
        "_price",
        "_sources_count",
        "currency",
        "errors",
        "line_total",
        "product",
        "quantity",
        "source",
        "source_kind",
        "tax",
        "unit_price",
    )

    def __init__(self, *, product: Priced, quantity: int, candidates: _Candidates, exempt: bool):
        self.product = product
        self.quantity = quantity
        self.currency = candidates.currency
        self._candidates = candidates
        self._explanation: str | None = None
        self._next_tier: NextTier | bool | None = False
        self.errors = quantity_errors(product, quantity)
        if not product.is_active:
            self.errors.append(f"{product.sku} is no longer sold.")
        found = candidates.evaluate(product.id, quantity) if quantity > 0 else None
        if found is None:
            self.unit_price = None
            self._price = None
            self._sources_count = 0
            self.source = ""
            self.source_kind = ""
            self.line_total = quantize(Decimal(0), self.currency)
            self.tax = self.line_total
            self.errors.append(f"{product.sku} has no price for quantity {quantity}.")
            return
        self.unit_price, self._price, self.source_kind, self._sources_count = found
        self.source = self._price.label
        self.line_total = quantize(self.unit_price * quantity, self.currency)
        rate = Decimal(0) if exempt else product.tax_rate
        self.tax = quantize(self.line_total * rate / HUNDRED, self.currency)

    @property
    def explanation(self) -> str:
        """The chain that produced the price, ending in the unit price; names the source."""
        if self._explanation is None:
            if self._price is None:
                self._explanation = "No price"
            else:
                text = (
                    f"{self._price.describe(self.currency)} → "
                    f"{format_money(self.unit_price, self.currency)}"
                )
                if self._candidates.strategy == Strategy.LOWEST and self._sources_count > 1:
                    text += f" · lowest of {self._sources_count} prices"
                self._explanation = text
        return self._explanation

    @property
    def next_tier(self) -> NextTier | None:
        """The first larger orderable quantity with a lower unit price, if any."""
        if self._next_tier is False:
            self._next_tier = None
            if self.unit_price is not None:
                for point in sorted(self._candidates.breakpoints(self.product.id)):
                    if point <= self.quantity:
                        continue
                    quantity = orderable_quantity(self.product, point)
                    if quantity is None:
                        break
                    found = self._candidates.evaluate(self.product.id, quantity)
                    if found is not None and found[0] < self.unit_price:
                        self._next_tier = NextTier(
                            quantity, found[0], self.unit_price - found[0], self.currency
                        )
                        break
        return self._next_tier

    def tier_table(self) -> list[Tier]:
        """The customer's price from each orderable quantity where it changes."""
        product = self.product
        points = self._candidates.breakpoints(product.id) | {product.min_qty}
        tiers: list[Tier] = []
        for quantity in sorted({orderable_quantity(product, p) for p in points} - {None}):
            found = self._candidates.evaluate(product.id, quantity)
            if found is None:
                continue
            if tiers and tiers[-1].unit_price == found[0]:
                continue
            tiers.append(Tier(quantity, found[0]))
        return tiers

    def __repr__(self) -> str:
        return f"<QuoteLine {self.product.sku} × {self.quantity} @ {self.unit_price}>"


class Quote:
    """Lines in input order and their sums; every amount is in ``currency``."""

    def __init__(self, *, company: Company, at: datetime, lines: list[QuoteLine], strategy: str):
        self.company = company
        self.at = at
        self.currency = company.currency
        self.strategy = strategy
        self.lines = lines
        zero = quantize(Decimal(0), self.currency)
        self.subtotal = sum((line.line_total for line in lines), zero)
        self.tax_total = sum((line.tax for line in lines), zero)
        self.total = self.subtotal + self.tax_total

    @property
    def errors(self) -> list[str]:
        """Every line's errors, in line order."""
        return [error for line in self.lines for error in line.errors]

    @property
    def is_valid(self) -> bool:
        return not any(line.errors for line in self.lines)


def quote(
    *,
    company: Company,
    lines: list[tuple[Priced, int]],
    at: datetime | None = None,
    reuse: bool = False,
) -> Quote:
    """Price ``lines`` for ``company`` at ``at`` (default: now) in a constant number of queries.

    With ``reuse``, for the same lines priced again and again (a cart whose quantities
    change), the candidate prices of a quote for now are cached under the catalog's data
    version (which every pricing table moves) until the next moment a price list or
    contract starts or ends.
    """
    product_ids = sorted({product.id for product, _quantity in lines})
    if at is None and reuse:
        at = timezone.now()
        candidates = versions.cached(
            versions.CATALOG,
            ("price-candidates", company.pk, product_ids),
            lambda: _Candidates(company=company, at=at, product_ids=product_ids),
            until=lambda: next_validity_change(at),
        )
    else:
        at = at or timezone.now()
        candidates = _Candidates(company=company, at=at, product_ids=product_ids)
    priced = [
        QuoteLine(
            product=product, quantity=quantity, candidates=candidates, exempt=company.tax_exempt
        )
        for product, quantity in lines
    ]
    return Quote(company=company, at=at, lines=priced, strategy=candidates.strategy)


def tier_table(*, company: Company, product: Product, at: datetime | None = None) -> list[Tier]:
    """The company's tier table for one product: [(min_qty, unit_price), ...] ascending."""
    return quote(company=company, lines=[(product, product.min_qty)], at=at).lines[0].tier_table()
