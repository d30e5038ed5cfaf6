"""Who sees which invoices and who may act on them.

Finance sees every document and acts on them (payments, credit notes, exports, aging);
operators read them all; company admins see their company's; buyers those of their own
orders. Anyone else, or another company's document, gets 404.
"""

from django.db.models import QuerySet
from django.http import Http404

from portal.accounts.models import StaffRole
from portal.accounts.permissions import (
    CUSTOMER_ROLES,
    OPERATOR,
    company_scope,
    require_role,
    roles_of,
)
from portal.invoices.models import Invoice, InvoiceArchive

FINANCE = StaffRole.FINANCE.value
READERS = frozenset({FINANCE, OPERATOR, *CUSTOMER_ROLES})


def require_invoice_reader(user) -> None:
    """403 unless the user's role shows invoices at all (warehouse staff have none)."""
    require_role(user, *READERS)


def require_finance(user) -> None:
    """403 unless the user works in finance."""
    require_role(user, FINANCE)


def is_finance(user) -> bool:
    return FINANCE in roles_of(user)


def invoices_visible_to(user) -> QuerySet[Invoice]:
    roles = roles_of(user)
    if roles & {FINANCE, OPERATOR}:
        return Invoice.objects.all()
    if not roles & CUSTOMER_ROLES:
        return Invoice.objects.none()
    scope = company_scope(user, "accounts.view_company_invoices", order__buyer=user)
    return Invoice.objects.none() if scope is None else Invoice.objects.filter(scope)


def invoice_for(user, number: str) -> Invoice:
    """One document the user may see, or 404."""
    try:
        return (
            invoices_visible_to(user)
            .select_related("company", "order", "corrects")
            .get(number=number)
        )
    except Invoice.DoesNotExist:
        raise Http404("No such invoice.") from None


def archive_for(user, pk) -> InvoiceArchive:
    """A ZIP the user asked for, or 404: archives are their requester's only."""
    try:
        return InvoiceArchive.objects.get(pk=pk, requested_by=user)
    except (InvoiceArchive.DoesNotExist, ValueError):
        raise Http404("No such archive.") from None
