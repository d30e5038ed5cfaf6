"""The navigation: the sections each role opens, the one the user is in, and the counts
next to them (cart lines, approvals waiting, picks waiting).

Each count is worked out only when a template (the navigation) or the HTMX counts header
asks for it, and only for the roles that have that section: the cart's is read with the
data versions (``read_with_versions``), the approvals' and the picks' are cached.
"""

import functools
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix

from approvals.permissions import DECIDING_ROLES
from approvals.selectors import awaiting_decision_count
from inventory.selectors import picks_waiting
from portal import versions
from portal.accounts.permissions import CUSTOMER_ROLES, roles_of
from portal.addresses import address
from portal.orders.selectors import cart_line_count, cart_line_count_query


class Navigation:
    """The navigation of one request: its sections and the counts next to them (None where
    the user has no such section)."""

    def __init__(self, user, roles: frozenset[str], path: str = "/", **known: int):
        """``known`` counts (``approvals=3``) were counted already by the page, which
        passes this navigation in its context: they are not queried again."""
        self.user = user
        self.roles = roles
        self.path = path
        self.__dict__.update(known)  # where each cached_property keeps its value

    @cached_property
    def cart(self) -> int | None:
        if not self.roles & CUSTOMER_ROLES:
            return None
        read = versions.read_with("cart", self.user.pk)
        return cart_line_count(self.user) if read is versions.NOT_READ else read or 0

    @cached_property
    def approvals(self) -> int | None:
        return awaiting_decision_count(self.user) if self.roles & DECIDING_ROLES else None

    @cached_property
    def picks(self) -> int | None:
        return picks_waiting(self.user)[0] if "warehouse" in self.roles else None

    @cached_property
    def entries(self) -> list["NavEntry"]:
        """The navigation's sections for this user (see ``nav_entries``)."""
        return nav_entries(self.roles, self.path, self)

    @property
    def html(self) -> str:
        """The navigation's links (``components/nav.html``). The same sections, current one
        and counts make the same markup, so a process draws each combination once."""
        if settings.DEBUG:  # a template being edited shows at once
            return _nav_html.__wrapped__(get_script_prefix(), tuple(self.entries))
        return _nav_html(get_script_prefix(), tuple(self.entries))

    def as_dict(self) -> dict[str, int]:
        """The counts this user has, for the HTMX header that refreshes the badges."""
        counts = {"cart": self.cart, "approvals": self.approvals, "picks": self.picks}
        return {name: count for name, count in counts.items() if count is not None}


def read_with_versions(user_id: int) -> dict:
    """The counts a reading request reads with the data versions, in the same query
    (``portal.versions.read_once``), for the user the session names."""
    return {"cart": cart_line_count_query(user_id)}


def navigation_for(user) -> Navigation | None:
    if user is None or not user.is_authenticated:
        return None
    return Navigation(user, roles_of(user))


@functools.lru_cache(maxsize=1024)
def _nav_html(prefix: str, entries: tuple["NavEntry", ...]) -> str:
    return render_to_string("components/nav.html", {"entries": entries})


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    count: str = ""  # the Navigation attribute shown next to it, if any

    @property
    def url(self) -> str:
        return address(self.url_name)


# Each section of the portal, the roles that see it, and the paths that belong to it.
# The longest matching path prefix marks the section the user is in.
SECTIONS: list[tuple[NavItem, frozenset[str], tuple[str, ...]]] = [
    (NavItem("Dashboard", "dashboard"), frozenset(), ()),
    (
        NavItem("Catalog", "catalog"),
        CUSTOMER_ROLES | {"operator"},
        ("/catalog/",),
    ),
    (NavItem("Quick order", "quick-order"), CUSTOMER_ROLES, ("/cart/quick-order/",)),
    (NavItem("Cart", "cart", count="cart"), CUSTOMER_ROLES, ("/cart/",)),
    (NavItem("Orders", "orders"), CUSTOMER_ROLES, ("/orders/",)),
    (NavItem("Approvals", "approvals", count="approvals"), DECIDING_ROLES, ("/approvals/",)),
    (NavItem("Invoices", "invoices"), CUSTOMER_ROLES | {"finance"}, ("/invoices/",)),
    (NavItem("Aging", "aging"), frozenset({"finance"}), ("/finance/aging/",)),
    (NavItem("Stock", "inventory"), frozenset({"warehouse"}), ("/inventory/",)),
    (
        NavItem("Pick lists", "picking", count="picks"),
        frozenset({"warehouse"}),
        ("/inventory/picking/",),
    ),
    (NavItem("Company users", "company-users"), frozenset({"company_admin"}), ("/company/",)),
    (NavItem("Audit trail", "audit"), frozenset({"operator", "company_admin"}), ("/audit/",)),
    (NavItem("Admin", "admin:index"), frozenset({"operator"}), ("/admin/",)),
]


@dataclass(frozen=True)
class NavEntry:
    item: NavItem
    current: bool
    count: int | None


def nav_entries(roles: frozenset[str], path: str, counts: Navigation) -> list[NavEntry]:
    """The sections this user's roles open, in order, the current one marked, with counts."""
    visible = [(item, prefixes) for item, needs, prefixes in SECTIONS if not needs or roles & needs]
    matches = [(len(p), item) for item, prefixes in visible for p in prefixes if path.startswith(p)]
    current = max(matches, key=lambda match: match[0])[1] if matches else None
    if current is None and path == "/":
        current = visible[0][0]
    return [
        NavEntry(item, item is current, getattr(counts, item.count) if item.count else None)
        for item, _ in visible
    ]
