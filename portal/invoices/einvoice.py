"""The electronic invoice: an EN 16931 Cross Industry Invoice (the XML of Factur-X and
ZUGFeRD) built from an issued document's snapshot, for embedding in its PDF.

Only euro documents carry one. Amounts are written as they are stored, so the XML's
totals are the database's to the cent; a credit note (type 381) states positive amounts
and names the invoice it corrects, as a credit note in EN 16931 does.
"""

from decimal import Decimal

from drafthorse.models.accounting import ApplicableTradeTax
from drafthorse.models.document import Document
from drafthorse.models.note import IncludedNote
from drafthorse.models.party import TaxRegistration, TradeParty
from drafthorse.models.payment import PaymentMeans, PaymentTerms
from drafthorse.models.tradelines import LineItem

from portal.invoices.models import Invoice, InvoiceLine, InvoiceTax, PaymentKind

GUIDELINE = "urn:cen.eu:en16931:2017"
# The schema drafthorse validates against before it hands the XML out.
SCHEMA = "FACTUR-X_EN16931"
# UNTDID 1001 document types and 4461 payment means.
INVOICE, CREDIT_NOTE = "380", "381"
SEPA_CREDIT_TRANSFER, BANK_CARD = "58", "48"
# UN/ECE recommendation 20: "one", a unit of anything counted.
PIECE = "C62"
STANDARD_RATE, EXEMPT = "S", "E"
EXEMPTION_REASON = "Exempt from VAT"
ZERO = Decimal("0.00")


def has_einvoice(invoice: Invoice) -> bool:
    """Whether the document carries an EN 16931 XML (euro documents do)."""
    return invoice.currency == "EUR"


def invoice_xml(
    invoice: Invoice,
    *,
    lines: list[InvoiceLine] | None = None,
    taxes: list[InvoiceTax] | None = None,
) -> bytes:
    """The document's EN 16931 CII XML, validated against the Factur-X EN 16931 schema.

    The same document always gives the same bytes. ``lines`` and ``taxes`` may be passed
    when the caller has loaded them already.
    """
    lines = list(invoice.lines.all()) if lines is None else lines
    taxes = list(invoice.taxes.all()) if taxes is None else taxes
    corrects = invoice.corrects if invoice.is_credit_note else None
    seller, buyer = invoice.seller, invoice.buyer

    doc = Document()
    doc.context.guideline_parameter.id = GUIDELINE
    doc.header.id = invoice.number
    doc.header.type_code = CREDIT_NOTE if corrects else INVOICE
    doc.header.issue_date_time = invoice.issued_on
    if corrects:
        doc.header.notes.add(IncludedNote(content=f"Reason: {invoice.reason}"))

    agreement = doc.trade.agreement
    _party(agreement.seller, seller)
    if seller.get("register"):
        agreement.seller.description = seller["register"]  # BT-33, the register entry
    if seller.get("email"):
        agreement.seller.electronic_address.uri_ID = ("EM", seller["email"])
    _party(agreement.buyer, buyer)
    agreement.seller_order.issuer_assigned_id = invoice.order_number
    if invoice.po_number:
        agreement.buyer_order.issuer_assigned_id = invoice.po_number

    # The invoice is issued when the order ships: that day is the delivery date.
    delivered_on = corrects.issued_on if corrects else invoice.issued_on
    doc.trade.delivery.event.occurrence = delivered_on

    settlement = doc.trade.settlement
    settlement.currency_code = invoice.currency
    if corrects:
        settlement.invoice_referenced_document.issuer_assigned_id = corrects.number
        settlement.invoice_referenced_document.issue_date_time = corrects.issued_on
    else:
        settlement.payment_reference = invoice.number
        settlement.payment_means.add(_payment_means(invoice))
    settlement.terms.add(_terms(invoice, corrects))

    for line in lines:
        doc.trade.items.add(_line(line))
    for row in taxes:
        settlement.trade_tax.add(_tax(row))

    sums = settlement.monetary_summation
    sums.line_total = invoice.subtotal
    sums.charge_total = ZERO
    sums.allowance_total = ZERO
    sums.tax_basis_total = invoice.subtotal
    sums.tax_total = (invoice.tax_total, invoice.currency)
    sums.grand_total = invoice.total
    sums.due_amount = invoice.total
    return doc.serialize(schema=SCHEMA)


def _party(party: TradeParty, snapshot: dict) -> None:
    party.name = snapshot["name"]
    if snapshot.get("country"):
        address = party.address
        address.postcode = snapshot.get("postal_code", "")
        address.line_one = snapshot.get("line1", "")
        address.line_two = snapshot.get("line2", "")
        address.city_name = snapshot.get("city", "")
        address.country_id = snapshot["country"]
    if snapshot.get("vat_id"):
        party.tax_registrations.add(TaxRegistration(id=("VA", snapshot["vat_id"])))


def _payment_means(invoice: Invoice) -> PaymentMeans:
    seller = invoice.seller
    if invoice.payment_method == PaymentKind.CARD:
        means = PaymentMeans(type_code=BANK_CARD)
        means.information.add("Payable by card in the portal")
        return means
    means = PaymentMeans(type_code=SEPA_CREDIT_TRANSFER)
    means.payee_account.iban = seller["iban"]
    means.payee_account.account_name = seller["name"]
    if seller.get("bic"):
        means.payee_institution.bic = seller["bic"]
    return means


def _terms(invoice: Invoice, corrects: Invoice | None) -> PaymentTerms:
    if corrects:
        return PaymentTerms(
            description=f"Cancels invoice {corrects.number} in full: nothing is payable on it."
        )
    if invoice.payment_terms_days:
        text = f"Payable within {invoice.payment_terms_days} days, quoting {invoice.number}."
    else:
        text = f"Payable on receipt, quoting {invoice.number}."
    return PaymentTerms(description=text, due=invoice.due_on)


def _line(line: InvoiceLine) -> LineItem:
    item = LineItem()
    item.document.line_id = str(line.position)
    item.product.seller_assigned_id = line.sku
    item.product.name = line.name
    item.agreement.net.amount = line.unit_price
    item.delivery.billed_quantity = (Decimal(line.quantity), PIECE)
    item.settlement.trade_tax.type_code = "VAT"
    item.settlement.trade_tax.category_code = _category(line.tax_rate)
    item.settlement.trade_tax.rate_applicable_percent = line.tax_rate
    item.settlement.monetary_summation.total_amount = line.line_total
    return item


def _tax(row: InvoiceTax) -> ApplicableTradeTax:
    tax = ApplicableTradeTax()
    tax.calculated_amount = row.tax
    tax.type_code = "VAT"
    if not row.rate:
        tax.exemption_reason = EXEMPTION_REASON
    tax.basis_amount = row.basis
    tax.category_code = _category(row.rate)
    tax.rate_applicable_percent = row.rate
    return tax


def _category(rate: Decimal) -> str:
    return STANDARD_RATE if rate else EXEMPT
