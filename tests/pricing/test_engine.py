"""Every pricing rule of SPEC section 2, on the demo data of section 9."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from pricing.currencies import format_money, quantize
from pricing.engine import Tier, quote, tier_table
from pricing.models import (
    CompanyPriceList,
    CompanyPricing,
    Contract,
    ContractPrice,
    GroupPriceList,
    PriceList,
    PriceListEntry,
    Strategy,
)
from tests.pricing.conftest import add_prices, assign, make_company, make_list, make_product

pytestmark = pytest.mark.django_db

D = Decimal


def price_of(company, product, quantity=1, at=None):
    return quote(company=company, lines=[(product, quantity)], at=at).lines[0]


# -- tiers and sources -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "expected"), [(9, "11.25"), (10, "10.71"), (49, "10.71"), (50, "10.08")]
)
def test_tier_boundaries_of_the_wholesale_rule_list(acme, catalog, quantity, expected):
    # given Acme in group Wholesale (-10 % of List EUR: 12.50, >= 10: 11.90, >= 50: 11.20)
    # when BOLT-M8-50 is priced at the quantity
    line = price_of(acme, catalog["BOLT-M8-50"], quantity)
    # then the tier with the highest min_qty <= quantity applies, adjusted and rounded once
    assert line.unit_price == D(expected)
    assert line.source == "Wholesale EUR"
    assert line.source_kind == "group_list"


def test_rule_list_explains_the_parent_tier_it_inherits(acme, catalog):
    line = price_of(acme, catalog["BOLT-M8-50"], 50)
    assert line.explanation == "Wholesale EUR (−10 % of List EUR, tier ≥ 50: €11.20) → €10.08"
    assert price_of(acme, catalog["BOLT-M8-50"], 9).explanation == (
        "Wholesale EUR (−10 % of List EUR: €12.50) → €11.25"
    )


def test_contract_beats_the_group_list(acme, catalog):
    # given contract ACME-2026: DRILL-18V 129.00, from 5: 119.00 (group list would say 134.10)
    drill = catalog["DRILL-18V"]
    # when Acme prices one and five drills
    one, five = quote(company=acme, lines=[(drill, 1), (drill, 5)]).lines
    # then the contract sets both prices and says so
    assert (one.unit_price, five.unit_price) == (D("129.00"), D("119.00"))
    assert one.source == five.source == "Contract ACME-2026"
    assert one.explanation == "Contract ACME-2026 → €129.00"
    assert five.explanation == "Contract ACME-2026 · tier ≥ 5 → €119.00"


def test_an_expired_contract_falls_back_to_the_group_list(acme, catalog):
    Contract.objects.filter(code="ACME-2026").update(valid_to=timezone.now() - timedelta(days=1))
    line = price_of(acme, catalog["DRILL-18V"])
    assert line.unit_price == D("134.10")
    assert line.source == "Wholesale EUR"


def test_of_two_valid_contracts_the_one_that_started_last_wins(acme, catalog):
    drill = catalog["DRILL-18V"]
    newer = Contract.objects.create(
        code="ACME-2026B", company=acme, currency="EUR", valid_from=timezone.now() - timedelta(1)
    )
    ContractPrice.objects.create(contract=newer, product=drill, min_qty=1, unit_price=D("125"))
    line = price_of(acme, drill, 5)
    # the newer contract has no tier at 5: its own tiers are the whole story
    assert (line.unit_price, line.source) == (D("125.00"), "Contract ACME-2026B")


def test_company_lists_come_before_group_lists_in_priority_order(acme, catalog):
    nut = catalog["NUT-M8"]
    first, second = make_list("Acme first"), make_list("Acme second")
    add_prices(first, nut, (1, "4.60"))
    add_prices(second, nut, (1, "4.10"))
    assign(acme, second, priority=2)
    assign(acme, first, priority=1)
    line = price_of(acme, nut)
    assert (line.unit_price, line.source, line.source_kind) == (
        D("4.60"),
        "Acme first",
        "company_list",
    )


def test_a_source_without_a_tier_for_the_quantity_lets_the_next_one_price(acme, catalog):
    # given a company list that prices NUT-M8 only from 100 on
    nut = catalog["NUT-M8"]
    bulk = make_list("Acme bulk")
    add_prices(bulk, nut, (100, "3.00"))
    assign(acme, bulk)
    # then below 100 the group list prices it, from 100 the company list
    assert price_of(acme, nut, 99).source == "Wholesale EUR"
    assert price_of(acme, nut, 100).unit_price == D("3.00")
    # and the hint at 99 points at the company list's tier
    assert price_of(acme, nut, 99).next_tier.hint == "from 100: €3.00 each, €1.32 less per unit"


def test_default_list_prices_a_company_without_group_or_contract(borealis, catalog):
    line = price_of(borealis, catalog["DRILL-18V"])
    assert (line.unit_price, line.source, line.source_kind) == (
        D("165.00"),
        "List USD",
        "default_list",
    )
    assert line.explanation == "List USD → $165.00"


# -- currency ---------------------------------------------------------------------------------


def test_borealis_never_sees_an_eur_list(borealis, catalog):
    # given Borealis (USD) joins the Wholesale group, whose list is in EUR
    borealis.customer_group_id = GroupPriceList.objects.get().group_id
    borealis.save()
    # when it prices a drill, then only USD sources apply
    q = quote(company=borealis, lines=[(catalog["DRILL-18V"], 1), (catalog["BOLT-M8-50"], 50)])
    assert q.currency == "USD"
    assert [line.source for line in q.lines] == ["List USD", "List USD"]
    assert [line.unit_price for line in q.lines] == [D("165.00"), D("13.90")]


def test_an_eur_list_cannot_be_assigned_to_a_usd_company(borealis):
    list_eur = PriceList.objects.get(name="List EUR")
    with pytest.raises(IntegrityError), transaction.atomic():
        CompanyPriceList.objects.create(company=borealis, price_list=list_eur, priority=1)


def test_a_contract_must_be_in_the_companys_currency(borealis):
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.create(code="BOR-EUR", company=borealis, currency="EUR")


def test_a_rule_list_must_share_its_parents_currency():
    list_eur = PriceList.objects.get(name="List EUR")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_list("USD off EUR", currency="USD", parent=list_eur, percent=D("-5"))


def test_an_eur_contract_never_prices_a_usd_quote(borealis, catalog):
    # a company that changed currency keeps its old contract rows, which must stay inert
    borealis.currency = "EUR"
    borealis.save()
    contract = Contract.objects.create(code="BOR-OLD", company=borealis, currency="EUR")
    ContractPrice.objects.create(
        contract=contract, product=catalog["NUT-M8"], min_qty=1, unit_price=D("1.00")
    )
    borealis.currency = "USD"
    borealis.save()
    assert price_of(borealis, catalog["NUT-M8"]).unit_price == D("5.30")


# -- validity --------------------------------------------------------------------------------


def test_a_list_ending_today_at_midnight(acme, catalog):
    # given a company list for NUT-M8 that ends today at 00:00 (valid_to is exclusive)
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    promo = make_list("Acme promo", valid_to=midnight)
    add_prices(promo, catalog["NUT-M8"], (1, "1.99"))
    assign(acme, promo)
    nut = catalog["NUT-M8"]
    # then it applies up to the last instant before midnight and not at midnight
    assert price_of(acme, nut, at=midnight - timedelta(microseconds=1)).unit_price == D("1.99")
    assert price_of(acme, nut, at=midnight).unit_price == D("4.32")
    assert price_of(acme, nut, at=midnight).source == "Wholesale EUR"


def test_a_list_starting_at_midnight_applies_from_that_instant(acme, catalog):
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    promo = make_list("Acme next promo", valid_from=midnight)
    add_prices(promo, catalog["NUT-M8"], (1, "1.99"))
    assign(acme, promo)
    nut = catalog["NUT-M8"]
    assert price_of(acme, nut, at=midnight - timedelta(microseconds=1)).unit_price == D("4.32")
    assert price_of(acme, nut, at=midnight).unit_price == D("1.99")


def test_a_rule_list_stops_when_its_parent_expires(acme, catalog):
    # given a company rule list over a parent list that has ended
    now = timezone.now()
    parent = make_list("Old parent", valid_to=now - timedelta(days=1))
    add_prices(parent, catalog["NUT-M8"], (1, "2.00"))
    assign(acme, make_list("Rule over old", parent=parent, percent=D("-50")))
    # then neither prices anything any more
    assert price_of(acme, catalog["NUT-M8"], at=now).source == "Wholesale EUR"


def test_an_empty_window_is_refused():
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_list(valid_from=now, valid_to=now)


# -- strategy ----------------------------------------------------------------------------------


def test_lowest_strategy_takes_the_cheapest_applicable_source(acme, catalog):
    # given a company list that charges more for BOLT-M8-50 than the group list
    bolt = catalog["BOLT-M8-50"]
    dear = make_list("Acme dear")
    add_prices(dear, bolt, (1, "12.00"))
    assign(acme, dear)
    assert price_of(acme, bolt).unit_price == D("12.00")  # priority: the company list wins
    # when Acme switches to the lowest strategy
    CompanyPricing.objects.create(company=acme, strategy=Strategy.LOWEST)
    line = price_of(acme, bolt)
    # then the cheapest of company list, group list and default list wins
    assert line.unit_price == D("11.25")
    assert line.source == "Wholesale EUR"
    assert line.explanation.endswith("→ €11.25 · lowest of 3 prices")


def test_lowest_strategy_prefers_the_more_specific_source_on_a_tie(acme, catalog):
    bolt = catalog["BOLT-M8-50"]
    same = make_list("Acme same")
    add_prices(same, bolt, (1, "11.25"))
    assign(acme, same)
    CompanyPricing.objects.create(company=acme, strategy=Strategy.LOWEST)
    assert price_of(acme, bolt).source == "Acme same"


# -- rule lists ---------------------------------------------------------------------------------


def test_fixed_entry_in_a_rule_list_overrides_the_rule_for_that_product(acme, catalog):
    # given Wholesale EUR has its own tiers for NUT-M8
    wholesale = PriceList.objects.get(name="Wholesale EUR")
    add_prices(wholesale, catalog["NUT-M8"], (1, "4.00"), (20, "3.90"))
    # then those tiers price NUT-M8, and the rule still prices everything else
    assert price_of(acme, catalog["NUT-M8"], 1).unit_price == D("4.00")
    line = price_of(acme, catalog["NUT-M8"], 25)
    assert line.unit_price == D("3.90")
    assert line.explanation == "Wholesale EUR · own price · tier ≥ 20 → €3.90"
    assert price_of(acme, catalog["BOLT-M8-50"], 10).unit_price == D("10.71")


def test_rule_over_rule_rounds_once(acme, catalog):
    # given Special = -10 % of Wholesale EUR (= -10 % of List EUR)
    wholesale = PriceList.objects.get(name="Wholesale EUR")
    special = make_list("Special", parent=wholesale, percent=D("-10"))
    assign(acme, special)
    # 12.50 * 0.9 * 0.9 = 10.125 -> 10.13 (rounding 11.25 first would also give 10.13;
    # 4.80 * 0.81 = 3.888 -> 3.89 whereas 4.32 * 0.9 = 3.888 as well, so use NUT at 1.05)
    odd = make_product("ODD-1")
    add_prices(PriceList.objects.get(name="List EUR"), odd, (1, "1.05"))
    # 1.05 * 0.81 = 0.8505 -> 0.85; rounding twice: 0.945 -> 0.95 * 0.9 = 0.855 -> 0.86
    assert price_of(acme, odd).unit_price == D("0.85")
    assert price_of(acme, odd).explanation == (
        "Special (−10 % of Wholesale EUR (−10 % of List EUR: €1.05): €0.95) → €0.85"
    )


def test_a_cycle_of_parent_lists_is_refused():
    a = make_list("A")
    b = make_list("B", parent=a, percent=D("-1"))
    a.parent, a.percent = b, D("-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        a.save()


def test_a_rule_list_needs_both_parent_and_percent():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_list(percent=D("-5"))


# -- rounding ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("0.125", "EUR", "0.13"),
        ("0.135", "EUR", "0.14"),
        ("-0.125", "EUR", "-0.13"),
        ("0.124999", "EUR", "0.12"),
        ("99.5", "JPY", "100"),
        ("1.0005", "KWD", "1.001"),
    ],
)
def test_rounding_is_half_away_from_zero_to_the_minor_unit(amount, currency, expected):
    assert str(quantize(D(amount), currency)) == expected


def test_the_unit_price_is_rounded_half_away_from_zero(acme):
    # 0.05 * 0.9 = 0.045 -> 0.05 (banker's rounding would give 0.04)
    cheap = make_product("CHEAP-1")
    add_prices(PriceList.objects.get(name="List EUR"), cheap, (1, "0.05"))
    line = price_of(acme, cheap, 3)
    assert line.unit_price == D("0.05")
    assert line.line_total == D("0.15")
    # tax 0.15 * 19 % = 0.0285 -> 0.03
    assert line.tax == D("0.03")


def test_money_is_formatted_with_the_currency_symbol():
    assert format_money(D("1234.5"), "EUR") == "€1,234.50"
    assert format_money(D("165"), "USD") == "$165.00"
    assert format_money(D("1200"), "JPY") == "¥1,200"
    assert format_money(D("12"), "CHF") == "CHF 12.00"


# -- quantity rules --------------------------------------------------------------------------


def test_glove_quantity_rules(acme, catalog):
    glove = catalog["GLOVE-L"]
    ok, thirteen, six = quote(company=acme, lines=[(glove, 12), (glove, 13), (glove, 6)]).lines
    assert ok.errors == []
    assert thirteen.errors == ["GLOVE-L is sold in multiples of 12."]
    assert six.errors == [
        "GLOVE-L: the minimum order quantity is 12.",
        "GLOVE-L is sold in multiples of 12.",
    ]
    # a line with errors is still priced, so the cart can show what it would cost
    assert thirteen.unit_price == D("2.88")


def test_maximum_quantity_is_enforced(acme, catalog):
    line = price_of(acme, catalog["DRILL-18V"], 21)
    assert line.errors == ["DRILL-18V: at most 20 per order."]


def test_a_product_nobody_prices_is_an_error_not_a_zero(acme):
    unpriced = make_product("NOPRICE-1")
    q = quote(company=acme, lines=[(unpriced, 2)])
    line = q.lines[0]
    assert line.unit_price is None
    assert line.line_total == D("0.00")
    assert line.errors == ["NOPRICE-1 has no price for quantity 2."]
    assert q.errors == line.errors
    assert not q.is_valid


# -- tax and totals -------------------------------------------------------------------------


def test_totals_are_sums_of_lines_and_tax_is_per_line(acme, catalog):
    q = quote(
        company=acme,
        lines=[(catalog["BOLT-M8-50"], 9), (catalog["DRILL-18V"], 5), (catalog["GLOVE-L"], 24)],
    )
    assert [line.line_total for line in q.lines] == [D("101.25"), D("595.00"), D("69.12")]
    # 101.25 * 0.19 = 19.2375 -> 19.24; 595 * 0.19 = 113.05; 69.12 * 0.19 = 13.1328 -> 13.13
    assert [line.tax for line in q.lines] == [D("19.24"), D("113.05"), D("13.13")]
    assert q.subtotal == D("765.37")
    assert q.tax_total == D("145.42")
    assert q.total == D("910.79")


def test_a_tax_exempt_company_pays_no_tax(borealis, catalog):
    q = quote(company=borealis, lines=[(catalog["DRILL-18V"], 2)])
    assert (q.subtotal, q.tax_total, q.total) == (D("330.00"), D("0.00"), D("330.00"))


def test_lines_keep_their_input_order_and_repeats(acme, catalog):
    bolt, nut = catalog["BOLT-M8-50"], catalog["NUT-M8"]
    q = quote(company=acme, lines=[(nut, 1), (bolt, 9), (nut, 2), (bolt, 50)])
    assert [(line.product.sku, line.quantity) for line in q.lines] == [
        ("NUT-M8", 1),
        ("BOLT-M8-50", 9),
        ("NUT-M8", 2),
        ("BOLT-M8-50", 50),
    ]


# -- hints and tier tables --------------------------------------------------------------------


def test_next_tier_hint(acme, catalog):
    bolt = catalog["BOLT-M8-50"]
    hint = price_of(acme, bolt, 10).next_tier
    assert (hint.min_qty, hint.unit_price, hint.saving) == (50, D("10.08"), D("0.63"))
    assert hint.hint == "from 50: €10.08 each, €0.63 less per unit"
    assert price_of(acme, bolt, 50).next_tier is None


def test_next_tier_hint_respects_the_pack_multiple(acme, catalog):
    # given GLOVE-L (multiples of 12) gets a tier from 50 in List EUR
    add_prices(PriceList.objects.get(name="List EUR"), catalog["GLOVE-L"], (50, "3.00"))
    hint = price_of(acme, catalog["GLOVE-L"], 12).next_tier
    # then the hint names the first quantity one can order: 60
    assert hint.hint == "from 60: €2.70 each, €0.18 less per unit"


def test_tier_table(acme, borealis, catalog):
    assert tier_table(company=acme, product=catalog["BOLT-M8-50"]) == [
        Tier(1, D("11.25")),
        Tier(10, D("10.71")),
        Tier(50, D("10.08")),
    ]
    assert tier_table(company=acme, product=catalog["DRILL-18V"]) == [
        Tier(1, D("129.00")),
        Tier(5, D("119.00")),
    ]
    assert tier_table(company=borealis, product=catalog["BOLT-M8-50"]) == [Tier(1, D("13.90"))]
    assert tier_table(company=acme, product=catalog["GLOVE-L"]) == [Tier(12, D("2.88"))]


# -- database guards -----------------------------------------------------------------------


def test_a_duplicate_tier_is_refused(catalog):
    list_eur = PriceList.objects.get(name="List EUR")
    with pytest.raises(IntegrityError), transaction.atomic():
        add_prices(list_eur, catalog["NUT-M8"], (1, "9.99"))


def test_a_negative_price_is_refused(catalog):
    with pytest.raises(IntegrityError), transaction.atomic():
        add_prices(make_list(), catalog["NUT-M8"], (1, "-0.01"))


def test_a_tier_from_zero_is_refused(catalog):
    with pytest.raises(IntegrityError), transaction.atomic():
        add_prices(make_list(), catalog["NUT-M8"], (0, "1.00"))


def test_one_default_list_per_currency():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_list("Second EUR default", is_default=True)


def test_the_same_list_twice_for_a_company_is_refused(acme):
    promo = make_list()
    assign(acme, promo, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        assign(acme, promo, 2)


# -- query budget ----------------------------------------------------------------------------


@pytest.fixture
def five_hundred_products(demo):
    from portal.catalog.models import Category, Product

    category = Category.objects.order_by("pk").first()
    products = Product.objects.bulk_create(
        Product(sku=f"QRY-{n:04d}", name=f"Query test {n}", category=category) for n in range(500)
    )
    list_eur = PriceList.objects.get(name="List EUR")
    PriceListEntry.objects.bulk_create(
        PriceListEntry(price_list=list_eur, product=p, min_qty=qty, unit_price=D(price))
        for p in products
        for qty, price in ((1, "10.00"), (10, "9.50"), (100, "9.00"))
    )
    return products


QUOTE_QUERIES = 6  # strategy, lists, company lists, group lists, entries, contract prices


def test_quote_query_count_does_not_grow_with_lines(
    acme, five_hundred_products, django_assert_num_queries
):
    small = [(p, 10) for p in five_hundred_products[:5]]
    large = [(p, 10) for p in five_hundred_products]
    with django_assert_num_queries(QUOTE_QUERIES):
        q5 = quote(company=acme, lines=small)
    with django_assert_num_queries(QUOTE_QUERIES):
        q500 = quote(company=acme, lines=large)
        # explanations, hints and tier tables come from what was loaded
        for line in q500.lines:
            assert line.explanation and line.next_tier and line.tier_table()
    assert len(q5.lines) == 5
    assert q500.subtotal == D("500") * D("10") * D("8.55")


def test_a_company_without_group_needs_one_query_less(borealis, catalog, django_assert_num_queries):
    with django_assert_num_queries(QUOTE_QUERIES - 1):
        quote(company=borealis, lines=[(catalog["NUT-M8"], 1)])


def test_pricing_a_chf_company_without_any_chf_list(catalog):
    # a currency nobody set up yields clear errors, not someone else's prices
    swiss = make_company(currency="CHF")
    line = price_of(swiss, catalog["NUT-M8"])
    assert line.unit_price is None
    assert line.errors == ["NUT-M8 has no price for quantity 1."]
