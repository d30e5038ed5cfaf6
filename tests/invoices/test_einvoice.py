"""The e-invoice: the EN 16931 XML (CII, as in Factur-X and ZUGFeRD) a euro invoice carries
inside its PDF, held against the official schema and against the PDF and the database."""

import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import drafthorse
import pytest
from lxml import etree

from portal.catalog.models import Product
from portal.invoices.einvoice import GUIDELINE, has_einvoice, invoice_xml
from portal.invoices.models import Invoice
from portal.invoices.pdf import invoice_pdf_bytes
from pricing.currencies import format_money
from tests.invoices.conftest import shipped
from tests.invoices.test_pdf import TWO_LINES, credited, pdf_text, printed

pytestmark = pytest.mark.django_db

# The Factur-X 1.0.07 schema of the EN 16931 profile, as drafthorse ships it.
XSD = Path(drafthorse.__file__).parent / "schema" / "Factur-X_1.0.07_EN16931.xsd"
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
SETTLEMENT = "//ram:ApplicableHeaderTradeSettlement"
SUMS = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


def valid(xml: bytes, schema: etree.XMLSchema) -> etree._Element:
    """The XML's root, once the EN 16931 schema has accepted it."""
    root = etree.fromstring(xml)
    schema.assertValid(root)
    return root


def texts(node, path: str) -> list[str]:
    return [
        found if isinstance(found, str) else found.text for found in node.xpath(path, namespaces=NS)
    ]


def text(node, path: str) -> str:
    (found,) = texts(node, path)
    return found


def amount(node, path: str) -> Decimal:
    return Decimal(text(node, path))


def day(node, path: str) -> date:
    return date.fromisoformat(text(node, path))


def save_pdf(data: bytes, tmp_path: Path) -> Path:
    path = tmp_path / "invoice.pdf"
    path.write_bytes(data)
    return path


def poppler(*args) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


# -- the XML --------------------------------------------------------------------------


def test_a_euro_invoice_has_an_en16931_xml_the_official_schema_accepts(demo, schema):
    # given Acme's shipped order, in euros, with a PO number
    invoice = shipped("acme.buyer", TWO_LINES, po="PO-4711")
    assert has_einvoice(invoice)

    # when its XML is built
    xml = invoice_xml(invoice)

    # then the schema accepts it, and it is an EN 16931 invoice (380) with its number
    root = valid(xml, schema)
    assert text(root, "//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID") == GUIDELINE
    assert text(root, "//rsm:ExchangedDocument/ram:ID") == invoice.number
    assert text(root, "//rsm:ExchangedDocument/ram:TypeCode") == "380"
    issued = text(root, "//rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString")
    assert issued == f"{invoice.issued_on:%Y%m%d}"
    # from the seller, with its VAT id and address, to Acme, with its own
    seller = "//ram:SellerTradeParty"
    assert text(root, f"{seller}/ram:Name") == invoice.seller["name"]
    assert text(root, f"{seller}/ram:SpecifiedTaxRegistration/ram:ID") == invoice.seller["vat_id"]
    assert text(root, f"{seller}/ram:SpecifiedTaxRegistration/ram:ID/@schemeID") == "VA"
    assert text(root, f"{seller}/ram:PostalTradeAddress/ram:CountryID") == "DE"
    assert text(root, f"{seller}/ram:PostalTradeAddress/ram:CityName") == invoice.seller["city"]
    buyer = "//ram:BuyerTradeParty"
    assert text(root, f"{buyer}/ram:Name") == "Acme Hardware GmbH"
    assert text(root, f"{buyer}/ram:SpecifiedTaxRegistration/ram:ID") == "DE123456789"
    assert text(root, f"{buyer}/ram:SpecifiedTaxRegistration/ram:ID/@schemeID") == "VA"
    assert text(root, f"{buyer}/ram:PostalTradeAddress/ram:LineOne") == "Industriestraße 12"
    assert text(root, f"{buyer}/ram:PostalTradeAddress/ram:CountryID") == "DE"
    # the buyer's PO and our order
    assert text(root, "//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID") == "PO-4711"
    order = text(root, "//ram:SellerOrderReferencedDocument/ram:IssuerAssignedID")
    assert order == invoice.order_number
    # paid by SEPA credit transfer to the seller's account, by the due date
    means = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans"
    assert text(root, f"{means}/ram:TypeCode") == "58"
    assert (
        text(root, f"{means}/ram:PayeePartyCreditorFinancialAccount/ram:IBANID")
        == (invoice.seller["iban"])
    )
    assert (
        text(root, f"{means}/ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID")
        == (invoice.seller["bic"])
    )
    assert text(root, f"{SETTLEMENT}/ram:PaymentReference") == invoice.number
    due = text(root, "//ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString")
    assert due == f"{invoice.due_on:%Y%m%d}"
    # every line, with its net price, quantity in units, VAT and amount
    items = root.xpath("//ram:IncludedSupplyChainTradeLineItem", namespaces=NS)
    lines = list(invoice.lines.all())
    assert len(items) == len(lines) == 2
    for item, line in zip(items, lines, strict=True):
        assert text(item, ".//ram:LineID") == str(line.position)
        assert text(item, ".//ram:SellerAssignedID") == line.sku
        assert text(item, ".//ram:SpecifiedTradeProduct/ram:Name") == line.name
        assert amount(item, ".//ram:NetPriceProductTradePrice/ram:ChargeAmount") == line.unit_price
        assert text(item, ".//ram:BilledQuantity") == str(line.quantity)
        assert text(item, ".//ram:BilledQuantity/@unitCode") == "C62"
        assert text(item, ".//ram:ApplicableTradeTax/ram:CategoryCode") == "S"
        assert amount(item, ".//ram:RateApplicablePercent") == Decimal("19")
        assert amount(item, ".//ram:LineTotalAmount") == line.line_total
    # the VAT of each rate, as the database has it
    (tax,) = invoice.taxes.all()
    header_tax = f"{SETTLEMENT}/ram:ApplicableTradeTax"
    assert amount(root, f"{header_tax}/ram:BasisAmount") == tax.basis
    assert amount(root, f"{header_tax}/ram:CalculatedAmount") == tax.tax
    assert text(root, f"{header_tax}/ram:CategoryCode") == "S"
    assert amount(root, f"{header_tax}/ram:RateApplicablePercent") == tax.rate


def test_the_xml_is_the_same_every_time_it_is_built(demo):
    invoice = shipped("acme.buyer", TWO_LINES, po="PO-4711")
    assert invoice_xml(invoice) == invoice_xml(Invoice.objects.get(pk=invoice.pk))


def test_the_xml_totals_are_the_databases_and_the_pdfs_to_the_cent(demo, schema, tmp_path):
    # given Acme's invoice of a few lines, whose VAT has to be rounded
    invoice = shipped("acme.buyer", (("DRILL-18V", 3), ("BOLT-M8-50", 13), ("NUT-M8", 7)))
    root = valid(invoice_xml(invoice), schema)
    pdf = pdf_text(invoice_pdf_bytes(invoice), tmp_path)

    # then each total of the XML is the database's, and is the one the PDF prints
    totals = {
        "LineTotalAmount": (invoice.subtotal, "Net total"),
        "TaxBasisTotalAmount": (invoice.subtotal, "Net total"),
        "TaxTotalAmount": (invoice.tax_total, "VAT total"),
        "GrandTotalAmount": (invoice.total, "Invoice total"),
        "DuePayableAmount": (invoice.total, "Invoice total"),
    }
    for element, (stored, label) in totals.items():
        in_xml = amount(root, f"{SUMS}/ram:{element}")
        assert in_xml == stored, element
        assert printed(pdf, label) == format_money(in_xml, "EUR"), element
    assert text(root, f"{SUMS}/ram:TaxTotalAmount/@currencyID") == "EUR"
    # and they add up as EN 16931 requires: lines to the net total, rates to the VAT
    line_totals = [
        Decimal(t) for t in texts(root, "//ram:SpecifiedLineTradeSettlement//ram:LineTotalAmount")
    ]
    assert sum(line_totals) == amount(root, f"{SUMS}/ram:LineTotalAmount")
    taxes = [
        Decimal(t) for t in texts(root, f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:CalculatedAmount")
    ]
    assert sum(taxes) == amount(root, f"{SUMS}/ram:TaxTotalAmount")
    assert amount(root, f"{SUMS}/ram:GrandTotalAmount") == invoice.subtotal + invoice.tax_total


def test_a_zero_rated_line_is_exempt_with_its_reason(demo, schema):
    # given gloves sold without VAT beside a drill at 19 %
    Product.objects.filter(sku="GLOVE-L").update(tax_rate=Decimal("0.00"))
    invoice = shipped("acme.buyer", (("DRILL-18V", 2), ("GLOVE-L", 12)))

    # when its XML is built
    root = valid(invoice_xml(invoice), schema)

    # then the gloves' line is in category E, and the VAT breakdown has both rates
    glove = root.xpath(
        "//ram:IncludedSupplyChainTradeLineItem[.//ram:SellerAssignedID='GLOVE-L']", namespaces=NS
    )[0]
    assert text(glove, ".//ram:ApplicableTradeTax/ram:CategoryCode") == "E"
    assert amount(glove, ".//ram:RateApplicablePercent") == 0
    breakdown = {
        text(tax, "ram:CategoryCode"): tax
        for tax in root.xpath(f"{SETTLEMENT}/ram:ApplicableTradeTax", namespaces=NS)
    }
    assert set(breakdown) == {"S", "E"}
    assert text(breakdown["E"], "ram:ExemptionReason") == "Exempt from VAT"
    assert amount(breakdown["E"], "ram:CalculatedAmount") == 0
    assert amount(breakdown["S"], "ram:RateApplicablePercent") == Decimal("19")
    assert amount(root, f"{SUMS}/ram:TaxTotalAmount") == invoice.tax_total


# -- inside the PDF -------------------------------------------------------------------


def test_the_pdf_is_pdf_a_3_and_carries_the_xml_as_factur_x(demo, tmp_path):
    # given Acme's euro invoice
    invoice = shipped("acme.buyer", TWO_LINES, po="PO-4711")

    # when its PDF is rendered
    path = save_pdf(invoice_pdf_bytes(invoice), tmp_path)

    # then it carries one attachment, factur-x.xml, byte for byte the invoice's XML
    listing = poppler("pdfdetach", "-list", str(path))
    assert listing.splitlines() == ["1 embedded files", "1: factur-x.xml"]
    saved = tmp_path / "factur-x.xml"
    poppler("pdfdetach", "-save", "1", "-o", str(saved), str(path))
    assert saved.read_bytes() == invoice_xml(invoice)
    # its metadata declare PDF/A-3b and the Factur-X EN 16931 profile
    meta = poppler("pdfinfo", "-meta", str(path))
    assert "<pdfaid:part>3</pdfaid:part>" in meta
    assert "<pdfaid:conformance>B</pdfaid:conformance>" in meta
    assert "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in meta
    assert "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>" in meta
    # and it still reads as the invoice
    assert f"Invoice {invoice.number}" in poppler("pdftotext", "-layout", str(path), "-")


def test_a_dollar_invoice_carries_no_einvoice(demo, tmp_path):
    # given Borealis' invoice, in dollars, shipped from SOUTH
    invoice = shipped("borealis.buyer", (("DRILL-18V", 3),))
    assert invoice.currency == "USD"

    # then it has no e-invoice, and its PDF no attachment
    assert not has_einvoice(invoice)
    path = save_pdf(invoice_pdf_bytes(invoice), tmp_path)
    assert poppler("pdfdetach", "-list", str(path)).splitlines() == ["0 embedded files"]
    assert f"Invoice {invoice.number}" in poppler("pdftotext", "-layout", str(path), "-")


# -- credit notes ---------------------------------------------------------------------


def test_a_credit_note_is_type_381_and_names_the_invoice_it_corrects(demo, schema, tmp_path):
    # given Acme's invoice, credited by finance
    invoice = shipped("acme.buyer", TWO_LINES, po="PO-4711")
    note = credited(invoice, reason="Delivered to the wrong branch.")

    # when the credit note's XML is built
    xml = invoice_xml(note)

    # then it is a credit note (381) of its own number, with the reason
    root = valid(xml, schema)
    assert text(root, "//rsm:ExchangedDocument/ram:ID") == note.number
    assert text(root, "//rsm:ExchangedDocument/ram:TypeCode") == "381"
    assert text(root, "//rsm:ExchangedDocument/ram:IncludedNote/ram:Content") == (
        "Reason: Delivered to the wrong branch."
    )
    # referring to the invoice it corrects, by number and date (BT-25, BT-26)
    reference = f"{SETTLEMENT}/ram:InvoiceReferencedDocument"
    assert text(root, f"{reference}/ram:IssuerAssignedID") == invoice.number
    referenced_on = text(root, f"{reference}/ram:FormattedIssueDateTime/qdt:DateTimeString")
    assert referenced_on == f"{invoice.issued_on:%Y%m%d}"
    # crediting the invoice's amounts, stated as positive amounts, with nothing to pay in
    assert amount(root, f"{SUMS}/ram:LineTotalAmount") == invoice.subtotal
    assert amount(root, f"{SUMS}/ram:TaxTotalAmount") == invoice.tax_total
    assert amount(root, f"{SUMS}/ram:GrandTotalAmount") == invoice.total
    assert amount(root, f"{SUMS}/ram:DuePayableAmount") == invoice.total
    assert not root.xpath("//ram:SpecifiedTradeSettlementPaymentMeans", namespaces=NS)

    # and its PDF carries it, and prints the same credit
    path = save_pdf(invoice_pdf_bytes(note), tmp_path)
    saved = tmp_path / "factur-x.xml"
    poppler("pdfdetach", "-save", "1", "-o", str(saved), str(path))
    assert saved.read_bytes() == xml
    printed_text = pdf_text(path.read_bytes(), tmp_path)
    assert f"Credit note {note.number}" in printed_text
    assert printed(printed_text, "Total credit") == format_money(invoice.total, "EUR")
