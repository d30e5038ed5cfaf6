"""Price changes go through audited services; CSV import checks every row first."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pricing.engine import quote
from pricing.models import Contract, ContractPrice, PriceAudit, PriceList, PriceListEntry
from pricing.selectors import price_list_entries_csv
from pricing.services import (
    CsvImportError,
    PricingError,
    contract_price_set,
    contract_prices_replace,
    price_list_entry_delete,
    price_list_entry_set,
    price_list_import_csv,
)
from tests.pricing.conftest import add_prices, make_list

pytestmark = pytest.mark.django_db
D = Decimal


def csv_file(text: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(text.encode(encoding))


# -- audit ---------------------------------------------------------------------------------


def test_changing_an_entry_is_audited_with_who_and_old_to_new(acme, catalog, operator):
    list_eur = PriceList.objects.get(name="List EUR")
    # when the operator changes BOLT-M8-50's tier at 10
    entry = price_list_entry_set(
        price_list=list_eur,
        product=catalog["BOLT-M8-50"],
        min_qty=10,
        unit_price=D("11.80"),
        by=operator,
    )
    # then one audit row says who, what and old -> new
    row = PriceAudit.objects.get(model="pricelistentry", object_id=entry.pk)
    assert (row.by, row.action, row.field) == (operator, "update", "unit_price")
    assert (row.old_value, row.new_value) == ("11.90", "11.80")
    assert row.target == "List EUR · BOLT-M8-50 · from 10"
    assert row.price_list == list_eur
    # and the new price is what Acme pays
    line = quote(company=acme, lines=[(catalog["BOLT-M8-50"], 10)]).lines[0]
    assert line.unit_price == D("10.62")


def test_creating_and_deleting_entries_are_audited(catalog, operator):
    promo = make_list()
    entry = price_list_entry_set(
        price_list=promo, product=catalog["NUT-M8"], min_qty=1, unit_price=D("4"), by=operator
    )
    price_list_entry_delete(entry=entry, by=operator)
    actions = list(
        PriceAudit.objects.filter(price_list=promo, field="unit_price")
        .order_by("id")
        .values_list("action", "old_value", "new_value")
    )
    assert actions == [("create", "", "4.00"), ("delete", "4.00", "")]


def test_the_audit_log_is_append_only(catalog, operator):
    from django.db import IntegrityError, transaction

    price_list_entry_set(
        price_list=make_list(), product=catalog["NUT-M8"], min_qty=1, unit_price=D(1), by=operator
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        PriceAudit.objects.update(new_value="forged")
    with pytest.raises(IntegrityError), transaction.atomic():
        PriceAudit.objects.all().delete()


def test_a_higher_tier_may_not_cost_more(catalog, operator):
    list_eur = PriceList.objects.get(name="List EUR")
    with pytest.raises(PricingError, match="must not cost more"):
        price_list_entry_set(
            price_list=list_eur,
            product=catalog["BOLT-M8-50"],
            min_qty=100,
            unit_price=D("11.50"),
            by=operator,
        )


def test_contract_prices_are_audited(acme, catalog, operator):
    contract = Contract.objects.get(code="ACME-2026")
    contract_price_set(
        contract=contract,
        product=catalog["DRILL-18V"],
        min_qty=5,
        unit_price=D("118.00"),
        by=operator,
    )
    row = PriceAudit.objects.get(contract=contract)
    assert (row.old_value, row.new_value, row.target) == (
        "119.00",
        "118.00",
        "Contract ACME-2026 · DRILL-18V · from 5",
    )


def test_replacing_contract_prices_checks_the_whole_table(acme, catalog, operator):
    contract = Contract.objects.get(code="ACME-2026")
    drill = catalog["DRILL-18V"]
    # both tiers drop together: fine as a whole, although 110 > 100 would not be step by step
    contract_prices_replace(
        contract=contract,
        prices=[(drill, 1, D("110")), (drill, 5, D("100")), (catalog["NUT-M8"], 1, D("4"))],
        by=operator,
    )
    assert set(contract.prices.values_list("product__sku", "min_qty", "unit_price")) == {
        ("DRILL-18V", 1, D("110")),
        ("DRILL-18V", 5, D("100")),
        ("NUT-M8", 1, D("4")),
    }
    assert PriceAudit.objects.filter(contract=contract).count() == 2 + 3  # 2 updates, 1 new
    with pytest.raises(PricingError):
        contract_prices_replace(
            contract=contract, prices=[(drill, 1, D("100")), (drill, 5, D("101"))], by=operator
        )


# -- CSV -------------------------------------------------------------------------------------


def test_csv_import_replaces_the_lists_entries_and_is_audited(acme, catalog, operator):
    promo = make_list("Acme promo")
    add_prices(promo, catalog["GLOVE-L"], (1, "3.00"))
    result = price_list_import_csv(
        price_list=promo,
        file=csv_file("sku,min_qty,unit_price\nBOLT-M8-50,1,10.00\nBOLT-M8-50,20,9.50\n"),
        by=operator,
    )
    assert (result.created, result.updated, result.deleted) == (2, 0, 1)
    assert set(promo.entries.values_list("product__sku", "min_qty", "unit_price")) == {
        ("BOLT-M8-50", 1, D("10.00")),
        ("BOLT-M8-50", 20, D("9.50")),
    }
    assert PriceAudit.objects.filter(price_list=promo, by=operator).count() == 3


def test_csv_import_with_a_bad_row_imports_nothing_and_names_each_row(catalog, operator):
    list_eur = PriceList.objects.get(name="List EUR")
    before = list(list_eur.entries.values_list("id", "unit_price"))
    text = (
        "sku,min_qty,unit_price\n"
        "BOLT-M8-50,1,12.00\n"
        "XYZ,1,1.00\n"
        "NUT-M8,zero,1.00\n"
        "NUT-M8,1,-1\n"
        "BOLT-M8-50,1,11.00\n"
        "DRILL-18V,1,12,50\n"
        "GLOVE-L,1,3.00\n"
        "GLOVE-L,10,3.10\n"
    )
    with pytest.raises(CsvImportError) as caught:
        price_list_import_csv(price_list=list_eur, file=csv_file(text), by=operator)
    assert caught.value.errors == [
        "row 3: unknown SKU 'XYZ'",
        "row 4: min_qty must be a whole number of at least 1, not 'zero'",
        "row 5: unit_price -1 is negative",
        "row 6: BOLT-M8-50 from 1 also appears on row 2",
        "row 7: expected 3 columns (sku,min_qty,unit_price), got 4",
        "row 9: GLOVE-L from 10 costs 3.10, more than 3.00 from 1",
    ]
    assert list(list_eur.entries.values_list("id", "unit_price")) == before
    assert not PriceAudit.objects.exists()


def test_csv_import_refuses_a_file_that_is_not_utf8(operator):
    with pytest.raises(CsvImportError) as caught:
        price_list_import_csv(
            price_list=make_list(),
            file=csv_file("sku,min_qty,unit_price\nMÜLL,1,1.00\n", "latin-1"),
            by=operator,
        )
    assert "not UTF-8" in caught.value.errors[0]


def test_csv_import_refuses_a_wrong_header_and_an_empty_file(operator):
    for text, message in [
        ("sku;price\n", "row 1: the header must be exactly sku,min_qty,unit_price"),
        ("", "row 1: the header must be exactly sku,min_qty,unit_price"),
        ("sku,min_qty,unit_price\n", "The file has no price rows; nothing was imported."),
    ]:
        with pytest.raises(CsvImportError) as caught:
            price_list_import_csv(price_list=make_list(), file=csv_file(text), by=operator)
        assert caught.value.errors == [message]


def test_csv_import_accepts_a_bom_and_semicolons(catalog, operator):
    promo = make_list()
    text = "\ufeffsku;min_qty;unit_price\r\nNUT-M8;1;4.00\r\n"
    price_list_import_csv(price_list=promo, file=csv_file(text), by=operator)
    assert promo.entries.get().unit_price == D("4.00")


def test_export_then_import_is_a_round_trip(catalog, operator):
    list_eur = PriceList.objects.get(name="List EUR")
    exported = price_list_entries_csv(price_list=list_eur)
    assert exported.startswith("sku,min_qty,unit_price\nADH-00001,")
    assert "BOLT-M8-50,1,12.50\nBOLT-M8-50,10,11.90\nBOLT-M8-50,50,11.20\n" in exported
    result = price_list_import_csv(price_list=list_eur, file=csv_file(exported), by=operator)
    assert (result.created, result.updated, result.deleted) == (0, 0, 0)
    assert result.unchanged == list_eur.entries.count()


# -- admin -----------------------------------------------------------------------------------


@pytest.fixture
def admin_client_demo(client, operator):
    client.force_login(operator)
    return client


def test_admin_imports_a_csv_upload(admin_client_demo, catalog, operator):
    promo = make_list("Upload promo")
    upload = SimpleUploadedFile(
        "promo.csv", b"sku,min_qty,unit_price\nNUT-M8,1,3.99\n", content_type="text/csv"
    )
    response = admin_client_demo.post(
        f"/admin/pricing/pricelist/{promo.pk}/import/", {"file": upload}
    )
    assert response.status_code == 302
    assert promo.entries.get().unit_price == D("3.99")


def test_admin_import_shows_row_errors_with_a_400(admin_client_demo, catalog):
    promo = make_list("Bad upload")
    upload = SimpleUploadedFile("bad.csv", b"sku,min_qty,unit_price\nXYZ,1,1\n")
    response = admin_client_demo.post(
        f"/admin/pricing/pricelist/{promo.pk}/import/", {"file": upload}
    )
    assert response.status_code == 400
    assert "row 2: unknown SKU &#x27;XYZ&#x27;" in response.content.decode()
    upload = SimpleUploadedFile("latin.csv", "sku,min_qty,unit_price\nÄ,1,1\n".encode("cp1252"))
    response = admin_client_demo.post(
        f"/admin/pricing/pricelist/{promo.pk}/import/", {"file": upload}
    )
    assert response.status_code == 400
    assert "not UTF-8" in response.content.decode()


def test_admin_exports_a_list(admin_client_demo):
    list_usd = PriceList.objects.get(name="List USD")
    response = admin_client_demo.get(f"/admin/pricing/pricelist/{list_usd.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="List-USD.csv"'
    assert b"DRILL-18V,1,165.00" in response.content


def test_admin_entry_edit_goes_through_the_audited_service(admin_client_demo, catalog, operator):
    entry = PriceListEntry.objects.get(
        price_list__name="List EUR", product__sku="NUT-M8", min_qty=1
    )
    response = admin_client_demo.post(
        f"/admin/pricing/pricelistentry/{entry.pk}/change/",
        {
            "price_list": entry.price_list_id,
            "product": entry.product_id,
            "min_qty": 1,
            "unit_price": "4.70",
        },
    )
    assert response.status_code == 302
    row = PriceAudit.objects.get(object_id=entry.pk, model="pricelistentry")
    assert (row.by, row.old_value, row.new_value) == (operator, "4.80", "4.70")
    history = admin_client_demo.get(
        f"/admin/pricing/priceaudit/?model=pricelistentry&object_id={entry.pk}"
    )
    assert history.status_code == 200
    assert "4.70" in history.content.decode()


def test_admin_contract_inline_saves_through_the_service(admin_client_demo, acme, catalog):
    contract = Contract.objects.get(code="ACME-2026")
    prices = list(contract.prices.order_by("min_qty"))
    data = {
        "code": contract.code,
        "company": acme.pk,
        "currency": "EUR",
        "note": "",
        "prices-TOTAL_FORMS": "3",
        "prices-INITIAL_FORMS": "2",
        "prices-MIN_NUM_FORMS": "0",
        "prices-MAX_NUM_FORMS": "1000",
    }
    for i, price in enumerate(prices):
        data |= {
            f"prices-{i}-id": price.pk,
            f"prices-{i}-contract": contract.pk,
            f"prices-{i}-product": price.product_id,
            f"prices-{i}-min_qty": price.min_qty,
            f"prices-{i}-unit_price": str(price.unit_price - 1),
        }
    data |= {
        "prices-2-contract": contract.pk,
        "prices-2-product": catalog["NUT-M8"].pk,
        "prices-2-min_qty": "1",
        "prices-2-unit_price": "4.00",
    }
    response = admin_client_demo.post(f"/admin/pricing/contract/{contract.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert sorted(contract.prices.values_list("unit_price", flat=True)) == [
        D("4.00"),
        D("118.00"),
        D("128.00"),
    ]
    assert PriceAudit.objects.filter(contract=contract).count() == 5
    # an increasing tier is an error on the form, not a 500
    data["prices-1-unit_price"] = "200.00"
    data["prices-0-id"], data["prices-1-id"] = (
        ContractPrice.objects.get(contract=contract, product__sku="DRILL-18V", min_qty=1).pk,
        ContractPrice.objects.get(contract=contract, product__sku="DRILL-18V", min_qty=5).pk,
    )
    data["prices-INITIAL_FORMS"], data["prices-TOTAL_FORMS"] = "2", "2"
    response = admin_client_demo.post(f"/admin/pricing/contract/{contract.pk}/change/", data)
    assert response.status_code == 200
    assert "must not cost more" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/admin/pricing/pricelist/",
        "/admin/pricing/pricelistentry/",
        "/admin/pricing/contract/",
        "/admin/pricing/priceaudit/",
        "/admin/pricing/companypricing/",
    ],
)
def test_admin_pages_open(admin_client_demo, path):
    assert admin_client_demo.get(path).status_code == 200


def test_admin_change_pages_open(admin_client_demo):
    list_eur = PriceList.objects.get(name="List EUR")
    contract = Contract.objects.get(code="ACME-2026")
    for path in [
        f"/admin/pricing/pricelist/{list_eur.pk}/change/",
        f"/admin/pricing/contract/{contract.pk}/change/",
        f"/admin/pricing/pricelist/{list_eur.pk}/import/",
    ]:
        assert admin_client_demo.get(path).status_code == 200, path
