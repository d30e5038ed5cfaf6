"""Properties of the engine over generated tiers, percentages, quantities and carts."""

import itertools
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pricing.currencies import format_money, quantize
from pricing.engine import quote
from pricing.models import CompanyPricing, PriceListEntry, Strategy
from pricing.services import PricingError, tiers_check
from tests.pricing.conftest import assign, make_company, make_list, make_product

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999"), places=4)
tier_tables = st.dictionaries(
    st.integers(min_value=1, max_value=200), prices, min_size=1, max_size=5
)
percents = st.decimals(min_value=Decimal("-99.99"), max_value=Decimal("50"), places=2)


class Rollback(Exception):
    """Undoes one example's rows so the next starts from the demo data."""


def in_rollback(body):
    try:
        with transaction.atomic():
            body()
            raise Rollback
    except Rollback:
        pass


@EXAMPLES
@given(table=tier_tables, percent=percents, quantities=st.lists(st.integers(1, 300), min_size=2))
def test_price_never_rises_with_quantity_within_one_source(demo, table, percent, quantities):
    tiers = sorted(table.items())
    try:
        tiers_check(sku="X", tiers=tiers)
    except PricingError:
        assume(False)  # the services refuse such a table, so no source can hold one

    def body():
        # given a CHF company whose only source is a rule list over a list with these tiers
        company = make_company(currency="CHF")
        product = make_product()
        base = make_list(currency="CHF")
        PriceListEntry.objects.bulk_create(
            PriceListEntry(price_list=base, product=product, min_qty=q, unit_price=p)
            for q, p in tiers
        )
        assign(company, make_list(currency="CHF", parent=base, percent=percent))
        # when it prices rising quantities
        ordered = sorted(quantities)
        lines = quote(company=company, lines=[(product, q) for q in ordered]).lines
        priced = [line.unit_price for line in lines if line.unit_price is not None]
        # then each unit price is at most the one before
        assert all(b <= a for a, b in itertools.pairwise(priced))
        # and is the parent tier's price adjusted once and rounded once
        for line in lines:
            if line.unit_price is not None:
                tier = max(t for t in tiers if t[0] <= line.quantity)
                expected = quantize(tier[1] * (100 + percent) / 100, "CHF")
                assert line.unit_price == expected

    in_rollback(body)


@EXAMPLES
@given(
    picks=st.lists(st.tuples(st.integers(0, 500), st.integers(1, 120)), min_size=1, max_size=30),
    lowest=st.booleans(),
    company_code=st.sampled_from(["acme", "borealis"]),
)
def test_explanation_names_the_source_and_totals_are_sums(demo, picks, lowest, company_code):
    from portal.accounts.models import Company
    from portal.catalog.models import Product

    products = list(Product.objects.order_by("sku"))
    company = Company.objects.get(code=company_code)

    def body():
        if lowest:
            CompanyPricing.objects.create(company=company, strategy=Strategy.LOWEST)
        lines = [(products[i % len(products)], q) for i, q in picks]
        q = quote(company=company, lines=lines)
        for line in q.lines:
            assert line.unit_price is not None
            # the explanation starts with the source that set the price and shows the price
            assert line.explanation.startswith(line.source)
            assert f"→ {format_money(line.unit_price, q.currency)}" in line.explanation
            assert line.line_total == line.unit_price * line.quantity
            assert line.unit_price == quantize(line.unit_price, q.currency)
        assert q.subtotal == sum(line.line_total for line in q.lines)
        assert q.tax_total == sum(line.tax for line in q.lines)
        assert q.total == q.subtotal + q.tax_total

    in_rollback(body)
