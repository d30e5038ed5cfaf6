"""Every write to price lists, entries, contracts and strategies, each one audited.

Audit rows record one changed field each (who, when, old → new). The admin saves through
these functions, so a price never changes without leaving a row behind.
"""

import csv
import io
import itertools
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction

from portal.accounts.models import Company
from portal.catalog.models import Product
from pricing.models import (
    AuditAction,
    CompanyPricing,
    Contract,
    ContractPrice,
    PriceAudit,
    PriceList,
    PriceListEntry,
    Strategy,
)

User = AbstractBaseUser  # whichever user model is installed

# Fields whose changes are audited, per model.
AUDITED: dict[type[models.Model], tuple[str, ...]] = {
    PriceList: ("name", "currency", "parent", "percent", "is_default", "valid_from", "valid_to"),
    PriceListEntry: ("product", "min_qty", "unit_price"),
    Contract: ("code", "company", "currency", "valid_from", "valid_to"),
    ContractPrice: ("product", "min_qty", "unit_price"),
}
CSV_COLUMNS = ["sku", "min_qty", "unit_price"]
PRICE_LIMIT = Decimal("1e10")  # max_digits 14 with 4 decimal places


class PricingError(Exception):
    """A price change that breaks a pricing rule; the message speaks to the operator."""


class CsvImportError(PricingError):
    """A CSV file that cannot be imported; ``errors`` say which row and why."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    deleted: int
    unchanged: int


# -- audit ----------------------------------------------------------------------------------


def _amount(value: Decimal) -> str:
    """12.5000 → '12.50', 12.3450 → '12.345': what the operator typed, not the column scale."""
    cents = value.quantize(Decimal("0.01"))
    return str(cents) if cents == value else f"{value.normalize():f}"


def _display(obj: models.Model, field_name: str) -> str:
    field = obj._meta.get_field(field_name)
    if field.is_relation:
        related = getattr(obj, field_name)
        if related is None:
            return ""
        return related.sku if isinstance(related, Product) else str(related)
    value = getattr(obj, field_name)
    if isinstance(value, Decimal):
        return _amount(value)
    return "" if value is None else str(value)


def _snapshot(obj: models.Model | None) -> dict[str, str]:
    if obj is None:
        return {}
    return {name: _display(obj, name) for name in AUDITED[type(obj)]}


def _target(obj: models.Model) -> str:
    if isinstance(obj, PriceListEntry):
        return f"{obj.price_list.name} · {obj.product.sku} · from {obj.min_qty}"
    if isinstance(obj, ContractPrice):
        return f"Contract {obj.contract.code} · {obj.product.sku} · from {obj.min_qty}"
    if isinstance(obj, Contract):
        return f"Contract {obj.code}"
    return str(obj)


def _audit(*, obj: models.Model, action: str, old: dict, new: dict, by: User) -> list[PriceAudit]:
    """Audit rows for every field that differs between ``old`` and ``new`` (not saved)."""
    price_list_id = contract_id = None
    if isinstance(obj, PriceList):
        price_list_id = obj.pk
    elif isinstance(obj, PriceListEntry):
        price_list_id = obj.price_list_id
    elif isinstance(obj, Contract):
        contract_id = obj.pk
    elif isinstance(obj, ContractPrice):
        contract_id = obj.contract_id
    target = _target(obj)
    return [
        PriceAudit(
            by=by,
            action=action,
            model=obj._meta.model_name,
            object_id=obj.pk,
            price_list_id=price_list_id,
            contract_id=contract_id,
            target=target[:200],
            field=field,
            old_value=old.get(field, "")[:200],
            new_value=new.get(field, "")[:200],
        )
        for field in AUDITED[type(obj)]
        if old.get(field, "") != new.get(field, "")
    ]


def _save_audited(obj: models.Model, by: User) -> models.Model:
    before = type(obj).objects.filter(pk=obj.pk).first() if obj.pk else None
    obj.save()
    action = AuditAction.UPDATE if before is not None else AuditAction.CREATE
    PriceAudit.objects.bulk_create(
        _audit(obj=obj, action=action, old=_snapshot(before), new=_snapshot(obj), by=by)
    )
    return obj


def _delete_audited(obj: models.Model, by: User) -> None:
    rows = _audit(obj=obj, action=AuditAction.DELETE, old=_snapshot(obj), new={}, by=by)
    obj.delete()
    PriceAudit.objects.bulk_create(rows)


# -- rules ----------------------------------------------------------------------------------


def tiers_check(*, sku: str, tiers: list[tuple[int, Decimal]]) -> None:
    """Raise PricingError unless a larger quantity never costs more per unit."""
    ordered = sorted(tiers)
    for (low_qty, low_price), (high_qty, high_price) in itertools.pairwise(ordered):
        if high_price > low_price:
            raise PricingError(
                f"{sku}: the price from {high_qty} ({high_price}) is higher than "
                f"from {low_qty} ({low_price}); a larger quantity must not cost more per unit."
            )


def _check_price(unit_price: Decimal) -> None:
    if not unit_price.is_finite() or unit_price < 0:
        raise PricingError("A price must be a number of at least 0.")


# -- price lists ------------------------------------------------------------------------------


@transaction.atomic
def price_list_save(*, price_list: PriceList, by: User) -> PriceList:
    """Create or change a list's header (currency, rule, validity, default flag)."""
    if price_list.parent_id is not None:
        ancestor = price_list.parent
        for _ in range(64):
            if ancestor is None:
                break
            if price_list.pk is not None and ancestor.pk == price_list.pk:
                raise PricingError(f"{price_list.name} cannot derive from itself.")
            ancestor = ancestor.parent
        if price_list.parent.currency != price_list.currency:
            raise PricingError("A rule list must be in the currency of its parent list.")
    return _save_audited(price_list, by)


def _tier_save(tier, siblings, by: User):
    """Save one quantity tier after checking it against the product's other tiers there."""
    _check_price(tier.unit_price)
    others = siblings.exclude(pk=tier.pk).values_list("min_qty", "unit_price")
    tiers_check(sku=tier.product.sku, tiers=[*others, (tier.min_qty, tier.unit_price)])
    return _save_audited(tier, by)


@transaction.atomic
def price_list_entry_save(*, entry: PriceListEntry, by: User) -> PriceListEntry:
    """Create or change one tier of one product in a list."""
    siblings = PriceListEntry.objects.filter(
        price_list_id=entry.price_list_id, product_id=entry.product_id
    )
    return _tier_save(entry, siblings, by)


def price_list_entry_set(
    *, price_list: PriceList, product: Product, min_qty: int, unit_price: Decimal, by: User
) -> PriceListEntry:
    """Set the price of one tier, creating the tier when missing."""
    entry = PriceListEntry.objects.filter(
        price_list=price_list, product=product, min_qty=min_qty
    ).first() or PriceListEntry(price_list=price_list, product=product, min_qty=min_qty)
    entry.unit_price = unit_price
    return price_list_entry_save(entry=entry, by=by)


@transaction.atomic
def price_list_entry_delete(*, entry: PriceListEntry, by: User) -> None:
    _delete_audited(entry, by)


# -- contracts ------------------------------------------------------------------------------


@transaction.atomic
def contract_save(*, contract: Contract, by: User) -> Contract:
    """Create or change a contract's header; its currency is always the company's."""
    if contract.currency != contract.company.currency:
        raise PricingError(
            f"Contract {contract.code} must be in {contract.company.currency}, "
            f"the currency of {contract.company}."
        )
    return _save_audited(contract, by)


@transaction.atomic
def contract_price_save(*, price: ContractPrice, by: User) -> ContractPrice:
    siblings = ContractPrice.objects.filter(
        contract_id=price.contract_id, product_id=price.product_id
    )
    return _tier_save(price, siblings, by)


def contract_price_set(
    *, contract: Contract, product: Product, min_qty: int, unit_price: Decimal, by: User
) -> ContractPrice:
    price = ContractPrice.objects.filter(
        contract=contract, product=product, min_qty=min_qty
    ).first() or ContractPrice(contract=contract, product=product, min_qty=min_qty)
    price.unit_price = unit_price
    return contract_price_save(price=price, by=by)


@transaction.atomic
def contract_prices_replace(
    *, contract: Contract, prices: list[tuple[Product, int, Decimal]], by: User
) -> None:
    """Make ``prices`` (product, min_qty, unit price) the contract's whole price table.

    Checked as a whole, so tiers may be edited together without passing through a state
    where a larger quantity costs more.
    """
    tables: dict[Product, list[tuple[int, Decimal]]] = {}
    for product, min_qty, unit_price in prices:
        _check_price(unit_price)
        tables.setdefault(product, []).append((min_qty, unit_price))
    for product, tiers in tables.items():
        if len({qty for qty, _price in tiers}) != len(tiers):
            raise PricingError(f"{product.sku}: each quantity tier may appear only once.")
        tiers_check(sku=product.sku, tiers=tiers)
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    existing = {
        (price.product_id, price.min_qty): price
        for price in ContractPrice.objects.filter(contract=contract).select_related("product")
    }
    wanted = {(product.pk, qty): (product, price) for product, qty, price in prices}
    audits: list[PriceAudit] = []
    for key, held in existing.items():
        if key not in wanted:
            audits += _audit(
                obj=held, action=AuditAction.DELETE, old=_snapshot(held), new={}, by=by
            )
            held.delete()
    for (_pid, qty), (product, unit_price) in wanted.items():
        held = existing.get((product.pk, qty))
        if held is None:
            held = ContractPrice.objects.create(
                contract=contract, product=product, min_qty=qty, unit_price=unit_price
            )
            audits += _audit(
                obj=held, action=AuditAction.CREATE, old={}, new=_snapshot(held), by=by
            )
        elif held.unit_price != unit_price:
            old = _snapshot(held)
            held.unit_price = unit_price
            held.save(update_fields=["unit_price"])
            new = _snapshot(held)
            audits += _audit(obj=held, action=AuditAction.UPDATE, old=old, new=new, by=by)
    PriceAudit.objects.bulk_create(audits)


@transaction.atomic
def contract_delete(*, contract: Contract, by: User) -> None:
    """Remove a contract and its prices, auditing each."""
    contract_prices_replace(contract=contract, prices=[], by=by)
    _delete_audited(contract, by)


@transaction.atomic
def contract_price_delete(*, price: ContractPrice, by: User) -> None:
    _delete_audited(price, by)


# -- strategy -------------------------------------------------------------------------------


def company_pricing_set(*, company: Company, strategy: str, by: User) -> CompanyPricing:
    """Choose how the company's price is picked among its sources."""
    if strategy not in Strategy.values:
        raise PricingError(f"Unknown pricing strategy {strategy!r}.")
    pricing, _ = CompanyPricing.objects.update_or_create(
        company=company, defaults={"strategy": strategy}
    )
    return pricing


# -- CSV ------------------------------------------------------------------------------------


def _read_csv_rows(file) -> list[list[str]]:
    data = file.read()
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CsvImportError(
                ["The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again."]
            ) from None
    first_line = data.split("\n", 1)[0]
    # Spreadsheets set to a decimal comma write semicolon-separated files.
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    try:
        return list(csv.reader(io.StringIO(data), delimiter=delimiter))
    except csv.Error as error:
        raise CsvImportError([f"The file is not valid CSV: {error}."]) from None


def _parse_rows(rows: list[list[str]], products: dict[str, int], errors: list[str]):
    """(row number, sku, min_qty, unit price) for each good row; bad rows add to ``errors``."""
    parsed = []
    seen: dict[tuple[str, int], int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(CSV_COLUMNS):
            errors.append(
                f"row {number}: expected 3 columns (sku,min_qty,unit_price), got {len(row)}"
            )
            continue
        sku, qty_text, price_text = (cell.strip() for cell in row)
        problems = []
        if sku not in products:
            problems.append(f"unknown SKU '{sku}'" if sku else "the SKU is empty")
        try:
            min_qty = int(qty_text)
            if min_qty < 1:
                raise ValueError
        except ValueError:
            problems.append(f"min_qty must be a whole number of at least 1, not '{qty_text}'")
            min_qty = None
        try:
            price = Decimal(price_text)
            if not price.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            problems.append(f"unit_price '{price_text}' is not a number (use a dot for decimals)")
            price = None
        else:
            if price < 0:
                problems.append(f"unit_price {price_text} is negative")
            elif price.as_tuple().exponent < -4:
                problems.append(f"unit_price {price_text} has more than 4 decimal places")
            elif price >= PRICE_LIMIT:
                problems.append(f"unit_price {price_text} is too large")
        if not problems and (sku, min_qty) in seen:
            problems.append(f"{sku} from {min_qty} also appears on row {seen[(sku, min_qty)]}")
        if problems:
            errors.append(f"row {number}: " + "; ".join(problems))
            continue
        seen[(sku, min_qty)] = number
        parsed.append((number, sku, min_qty, price))
    return parsed


@transaction.atomic
def price_list_import_csv(*, price_list: PriceList, file, by: User) -> ImportResult:
    """Replace the list's entries with the file's rows (columns sku,min_qty,unit_price).

    The file is the list's whole content: entries it does not mention are deleted. Every
    row is checked first; one bad row imports nothing and raises CsvImportError naming
    each bad row. Changes are audited like any other.
    """
    rows = _read_csv_rows(file)
    if not rows or [cell.strip().lower() for cell in rows[0]] != CSV_COLUMNS:
        raise CsvImportError(["row 1: the header must be exactly sku,min_qty,unit_price"])
    skus = {row[0].strip() for row in rows[1:] if row}
    products = dict(Product.objects.filter(sku__in=skus).values_list("sku", "id"))
    errors: list[str] = []
    parsed = _parse_rows(rows, products, errors)
    by_product: dict[str, list[tuple[int, int, Decimal]]] = {}
    for number, sku, min_qty, price in parsed:
        by_product.setdefault(sku, []).append((min_qty, price, number))
    for sku, tiers in by_product.items():
        ordered = sorted(tiers)
        for (low_qty, low_price, _), (high_qty, high_price, number) in itertools.pairwise(ordered):
            if high_price > low_price:
                errors.append(
                    f"row {number}: {sku} from {high_qty} costs {high_price}, more than "
                    f"{low_price} from {low_qty}"
                )
    if not errors and not parsed:
        errors.append("The file has no price rows; nothing was imported.")
    if errors:
        errors.sort(key=lambda e: int(e.split(":")[0].split()[1]) if e.startswith("row ") else 0)
        raise CsvImportError(errors)

    # Lock the list so that two imports into it run one after the other.
    price_list = PriceList.objects.select_for_update().get(pk=price_list.pk)
    existing = {
        (product_id, min_qty): (pk, sku, price)
        for pk, product_id, sku, min_qty, price in PriceListEntry.objects.filter(
            price_list=price_list
        ).values_list("id", "product_id", "product__sku", "min_qty", "unit_price")
    }
    wanted = {(products[sku], min_qty): (sku, price) for _n, sku, min_qty, price in parsed}

    def audit(pk, sku, min_qty, action, old, new) -> PriceAudit:
        return PriceAudit(
            by=by,
            action=action,
            model=PriceListEntry._meta.model_name,
            object_id=pk,
            price_list_id=price_list.pk,
            target=f"{price_list.name} · {sku} · from {min_qty}"[:200],
            field="unit_price",
            old_value=old,
            new_value=new,
        )

    to_create, to_update, audits = [], [], []
    unchanged = 0
    for key, (sku, price) in wanted.items():
        held = existing.get(key)
        if held is None:
            to_create.append(
                PriceListEntry(
                    price_list=price_list, product_id=key[0], min_qty=key[1], unit_price=price
                )
            )
        elif held[2] != price:
            to_update.append(PriceListEntry(pk=held[0], unit_price=price))
            old, new = _amount(held[2]), _amount(price)
            audits.append(audit(held[0], sku, key[1], AuditAction.UPDATE, old, new))
        else:
            unchanged += 1
    gone = [(key, held) for key, held in existing.items() if key not in wanted]
    PriceListEntry.objects.filter(pk__in=[held[0] for _key, held in gone]).delete()
    for key, (pk, sku, price) in gone:
        audits.append(audit(pk, sku, key[1], AuditAction.DELETE, _amount(price), ""))
    PriceListEntry.objects.bulk_update(to_update, ["unit_price"], batch_size=2000)
    created = PriceListEntry.objects.bulk_create(to_create, batch_size=2000)
    skus_by_id = {product_id: sku for sku, product_id in products.items()}
    for entry in created:
        sku = skus_by_id[entry.product_id]
        audits.append(
            audit(entry.pk, sku, entry.min_qty, AuditAction.CREATE, "", _amount(entry.unit_price))
        )
    PriceAudit.objects.bulk_create(audits, batch_size=2000)
    return ImportResult(len(created), len(to_update), len(gone), unchanged)
