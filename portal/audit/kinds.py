"""The kinds of object the audit trail follows, and what the page needs to know about each.

For every kind: its event model (through the tracked model), how to name one object, how a
key typed into the filter finds it, which of its events belong to a company (for company
admins; ``None`` keeps the kind to operators), and which fields are amounts in a currency.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Model, Q

from approvals.models import Approval, ApprovalPolicy, ApprovalThreshold
from inventory.models import StockLevel
from portal.accounts.models import Address, Company, Membership
from portal.audit.models import PASSWORD_CHANGED, AuditedUser, AuditedUserGroups
from portal.orders.models import Order, OrderLine
from pricing.models import (
    CompanyPriceList,
    CompanyPricing,
    Contract,
    ContractPrice,
    GroupPriceList,
    PriceList,
    PriceListEntry,
)

ACTIONS = {"insert": "Created", "update": "Changed", "delete": "Deleted"}


def _or(related, attribute: str, fallback: object) -> str:
    """An attribute of a related object, or a stand-in when the object is gone."""
    return str(getattr(related, attribute)) if related is not None else f"#{fallback}"


def _members_of(company: Company):
    return Membership.objects.filter(company=company).values("user_id")


def _order_name(order, order_id) -> str:
    if order is None:
        return f"order #{order_id}"
    return f"order {order.number}" if order.number else f"cart #{order.pk}"


@dataclass(frozen=True)
class Kind:
    key: str
    name: str
    tracked: type[Model]
    describe: Callable[[Model], str]
    search: Callable[[str], Q]
    company: Callable[[Company], Q] | None = None
    prefetch: tuple[str, ...] = ()
    money: tuple[str, ...] = ()
    currency: Callable[[Model], str] = lambda event: ""
    actions: dict[str, str] = field(default_factory=lambda: ACTIONS)

    @property
    def events(self) -> type[Model]:
        return self.tracked.pgh_event_model

    @property
    def follows_objects(self) -> bool:
        """Whether its events name the object they are about (and so have a previous one)."""
        return hasattr(self.events, "pgh_obj")


KINDS = [
    Kind(
        "order",
        "Order",
        Order,
        describe=lambda e: f"Order {e.number}" if e.number else f"Cart #{e.pgh_obj_id}",
        search=lambda key: Q(number__iexact=key) | Q(po_number__iexact=key),
        company=lambda company: Q(company=company),
        prefetch=("buyer", "company", "ship_to"),
        money=("subtotal", "tax_total", "total"),
        currency=lambda e: e.currency,
    ),
    Kind(
        "order_line",
        "Order line",
        OrderLine,
        describe=lambda e: (
            f"Line {e.sku or _or(e.product, 'sku', e.product_id)} of "
            f"{_order_name(e.order, e.order_id)}"
        ),
        search=lambda key: Q(order__number__iexact=key) | Q(sku__iexact=key),
        company=lambda company: Q(order__company=company),
        prefetch=("order", "product"),
        money=("unit_price", "line_total", "tax"),
        currency=lambda e: e.order.currency if e.order else "",
    ),
    Kind(
        "approval",
        "Approval",
        Approval,
        describe=lambda e: (
            f"Approval of {_order_name(e.order, e.order_id)} by "
            f"{_or(e.approver, 'username', e.approver_id)}"
        ),
        search=lambda key: Q(order__number__iexact=key) | Q(approver__username__iexact=key),
        company=lambda company: Q(order__company=company),
        prefetch=("order", "approver"),
    ),
    Kind(
        "approval_policy",
        "Approval policy",
        ApprovalPolicy,
        describe=lambda e: f"Approval policy of {_or(e.company, 'code', e.company_id)}",
        search=lambda key: Q(company__code__iexact=key),
        company=lambda company: Q(company=company),
        prefetch=("company",),
    ),
    Kind(
        "approval_threshold",
        "Approval threshold",
        ApprovalThreshold,
        describe=lambda e: (
            "Approval threshold of "
            + (_or(e.policy.company, "code", e.policy.company_id) if e.policy else "a policy")
        ),
        search=lambda key: Q(policy__company__code__iexact=key),
        company=lambda company: Q(policy__company=company),
        prefetch=("policy__company",),
        money=("above",),
        currency=lambda e: e.policy.company.currency if e.policy and e.policy.company else "",
    ),
    Kind(
        "membership",
        "Membership",
        Membership,
        describe=lambda e: (
            f"{_or(e.user, 'username', e.user_id)} in {_or(e.company, 'code', e.company_id)}"
        ),
        search=lambda key: Q(user__username__iexact=key) | Q(company__code__iexact=key),
        company=lambda company: Q(company=company),
        prefetch=("user", "company"),
        money=("approval_limit", "monthly_budget"),
        currency=lambda e: e.company.currency if e.company else "",
    ),
    Kind(
        "user",
        "User",
        AuditedUser,
        describe=lambda e: f"User {e.username}",
        search=lambda key: Q(username__iexact=key) | Q(email__iexact=key),
        company=lambda company: Q(pgh_obj_id__in=_members_of(company)),
        actions={**ACTIONS, PASSWORD_CHANGED: "Password changed"},
    ),
    Kind(
        "user_group",
        "Group membership",
        AuditedUserGroups,
        describe=lambda e: (
            f"{_or(e.user, 'username', e.user_id)} in group {_or(e.group, 'name', e.group_id)}"
        ),
        search=lambda key: Q(user__username__iexact=key) | Q(group__name__iexact=key),
        company=lambda company: Q(user_id__in=_members_of(company)),
        prefetch=("user", "group"),
        actions={"insert": "Joined", "delete": "Left"},
    ),
    Kind(
        "company",
        "Company",
        Company,
        describe=lambda e: f"Company {e.code}",
        search=lambda key: Q(code__iexact=key),
        company=lambda company: Q(pgh_obj_id=company.pk),
        prefetch=("customer_group",),
    ),
    Kind(
        "address",
        "Address",
        Address,
        describe=lambda e: f"Address “{e.label}” of {_or(e.company, 'code', e.company_id)}",
        search=lambda key: Q(company__code__iexact=key) | Q(label__iexact=key),
        company=lambda company: Q(company=company),
        prefetch=("company",),
    ),
    Kind(
        "company_price_list",
        "Price list assignment",
        CompanyPriceList,
        describe=lambda e: (
            f"Price list {_or(e.price_list, 'name', e.price_list_id)} for "
            f"{_or(e.company, 'code', e.company_id)}"
        ),
        search=lambda key: Q(company__code__iexact=key) | Q(price_list__name__iexact=key),
        company=lambda company: Q(company=company),
        prefetch=("company", "price_list"),
    ),
    Kind(
        "company_pricing",
        "Pricing strategy",
        CompanyPricing,
        describe=lambda e: f"Pricing strategy of {_or(e.company, 'code', e.company_id)}",
        search=lambda key: Q(company__code__iexact=key),
        company=lambda company: Q(company=company),
        prefetch=("company",),
    ),
    Kind(
        "contract",
        "Contract",
        Contract,
        describe=lambda e: f"Contract {e.code}",
        search=lambda key: Q(code__iexact=key) | Q(company__code__iexact=key),
        company=lambda company: Q(company=company),
        prefetch=("company",),
    ),
    Kind(
        "contract_price",
        "Contract price",
        ContractPrice,
        describe=lambda e: (
            f"Contract {_or(e.contract, 'code', e.contract_id)} · "
            f"{_or(e.product, 'sku', e.product_id)} from {e.min_qty}"
        ),
        search=lambda key: Q(contract__code__iexact=key) | Q(product__sku__iexact=key),
        company=lambda company: Q(contract__company=company),
        prefetch=("contract", "product"),
        money=("unit_price",),
        currency=lambda e: e.contract.currency if e.contract else "",
    ),
    # The seller's own lists, groups and stock: operators only.
    Kind(
        "price_list",
        "Price list",
        PriceList,
        describe=lambda e: f"Price list {e.name}",
        search=lambda key: Q(name__iexact=key),
        prefetch=("parent",),
    ),
    Kind(
        "price_list_entry",
        "Price list entry",
        PriceListEntry,
        describe=lambda e: (
            f"{_or(e.price_list, 'name', e.price_list_id)} · "
            f"{_or(e.product, 'sku', e.product_id)} from {e.min_qty}"
        ),
        search=lambda key: Q(price_list__name__iexact=key) | Q(product__sku__iexact=key),
        prefetch=("price_list", "product"),
        money=("unit_price",),
        currency=lambda e: e.price_list.currency if e.price_list else "",
    ),
    Kind(
        "group_price_list",
        "Group price list",
        GroupPriceList,
        describe=lambda e: (
            f"Price list {_or(e.price_list, 'name', e.price_list_id)} for group "
            f"{_or(e.group, 'name', e.group_id)}"
        ),
        search=lambda key: Q(group__name__iexact=key) | Q(price_list__name__iexact=key),
        prefetch=("group", "price_list"),
    ),
    Kind(
        "stock_level",
        "Stock level",
        StockLevel,
        describe=lambda e: (
            f"Stock of {_or(e.product, 'sku', e.product_id)} in "
            f"{_or(e.warehouse, 'code', e.warehouse_id)}"
        ),
        search=lambda key: Q(product__sku__iexact=key) | Q(warehouse__code__iexact=key),
        prefetch=("product", "warehouse"),
    ),
]
BY_KEY = {kind.key: kind for kind in KINDS}
