"""Who may read the audit trail, and how much of it: operators all, company admins their
company's part, everyone else nothing."""

from django.core.exceptions import PermissionDenied

from portal.accounts.models import Company, CustomerRole
from portal.accounts.permissions import OPERATOR, companies_visible_to, require_role, roles_of
from portal.audit.kinds import KINDS, Kind


def require_audit_reader(user) -> None:
    """Raise 403 unless the user is an operator or a company admin."""
    require_role(user, OPERATOR, CustomerRole.COMPANY_ADMIN)


def audited_company(user) -> Company | None:
    """The company whose events the user may read; None for operators, who read them all."""
    if OPERATOR in roles_of(user):
        return None
    if not hasattr(user, "_audited_company"):
        user._audited_company = companies_visible_to(user, "accounts.manage_members").first()
    if user._audited_company is None:
        # Never everyone's trail for want of a company.
        raise PermissionDenied("You manage no company.")
    return user._audited_company


def kinds_visible_to(user) -> list[Kind]:
    """The kinds of object the user may follow: a company's own, or every one."""
    if audited_company(user) is None:
        return list(KINDS)
    return [kind for kind in KINDS if kind.company is not None]
