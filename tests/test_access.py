"""Every URL of the project against every persona and against another company's objects.

A URL pattern with no entry in ROUTES fails ``test_every_url_pattern_has_an_entry``:
adding a page means deciding here who may open it.
"""

from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver

from approvals.services import order_ship
from portal.accounts.models import Company, Membership, PaymentMethod
from portal.invoices.models import Invoice
from portal.invoices.pdf import invoice_pdf_store
from portal.invoices.services import invoice_archive_request
from portal.invoices.tasks import invoice_archive_build
from portal.orders.models import Order
from tests.ordering import place

PERSONAS = [
    "anonymous",
    "acme.buyer",
    "acme.manager",
    "acme.admin",
    "borealis.buyer",
    "borealis.manager",
    "warehouse.north",
    "warehouse.south",
    "finance",
    "admin",
]
SIGNED_IN = [p for p in PERSONAS if p != "anonymous"]
CUSTOMERS = ["acme.buyer", "acme.manager", "acme.admin", "borealis.buyer", "borealis.manager"]
LOGIN = "login"  # expected outcome: a redirect to the sign-in page


def member_pk(username: str) -> int:
    return Membership.objects.get(user__username=username).pk


@dataclass
class Route:
    """How to reach one URL pattern and what each persona gets there.

    ``path`` builds the URL for a persona's *own* objects; ``foreign_path``, where given,
    builds it for another company's object, which must answer 404 to everyone allowed in.
    """

    path: object
    expect: dict[str, object]
    method: str = "get"
    foreign_path: object = None
    default: object = None
    extra: dict = field(default_factory=dict)
    # Who owns the foreign object (and so may reach it): Borealis, or SOUTH's staff.
    foreign_owners: tuple[str, ...] = ("borealis.buyer", "borealis.manager")
    # Staff pages refuse a missing role (403) before they look up any object, so a persona
    # without the role gets the same 403 for a foreign object as for an own one.
    role_first: bool = False

    def expected(self, persona: str):
        return self.expect.get(persona, self.default)


def only(ok, *, others=403, anonymous=LOGIN, status=200):
    expect = {p: others for p in SIGNED_IN}
    expect.update({p: status for p in ok})
    expect["anonymous"] = anonymous
    return expect


def everyone(status, *, anonymous=None):
    expect = dict.fromkeys(SIGNED_IN, status)
    expect["anonymous"] = status if anonymous is None else anonymous
    return expect


# The colleague each company admin edits on the company users page, and a foreign one.
OWN_MEMBER = {"acme": "acme.buyer", "borealis": "borealis.buyer"}


# Orders of acme.buyer and borealis.buyer, placed when a route first needs one.
class PlacedOrders(dict):
    """Order numbers by key, each order placed through the real services when first asked
    for in a test (``placed_orders`` empties it before each test)."""

    BUYERS = {"acme": "acme.buyer", "borealis": "borealis.buyer"}
    SHIPPERS = {"acme": "warehouse.north", "borealis": "warehouse.south"}

    def __missing__(self, key: str) -> str:
        code, _, kind = key.partition("_")
        if kind == "invoiced":
            # the approved order shipped: the key gives its invoice's number
            order = order_ship(
                order=Order.objects.get(number=self[f"{code}_approved"]),
                by=get_user_model().objects.get(username=self.SHIPPERS[code]),
            )
            self[key] = order.invoices.get().number
            return self[key]
        if kind == "card":
            # an invoice its company pays by card (Acme is switched to card to get one)
            company = Company.objects.get(code=code)
            method = company.payment_method
            Company.objects.filter(pk=company.pk).update(payment_method=PaymentMethod.CARD)
            order = place(self.BUYERS[code], [("NUT-M8", 2)], po=f"PO-{code}-card")
            order = order_ship(
                order=order, by=get_user_model().objects.get(username=self.SHIPPERS[code])
            )
            Company.objects.filter(pk=company.pk).update(payment_method=method)
            self[key] = order.invoices.get().number
            return self[key]
        if kind == "rendered":
            # the same invoice with its PDF stored
            invoice_pdf_store(Invoice.objects.get(number=self[f"{code}_invoiced"]))
            self[key] = self[f"{code}_invoiced"]
            return self[key]
        if kind == "archive":
            # a ZIP of Acme's invoice, asked for by finance and built
            archive = invoice_archive_request(
                invoices=Invoice.objects.filter(number=self["acme_rendered"]),
                by=get_user_model().objects.get(username="finance"),
            )
            invoice_archive_build.call(archive.pk)
            self[key] = str(archive.pk)
            return self[key]
        if kind == "approved":
            # 2 boxes of nuts: approved on submission, waiting to be picked
            order = place(self.BUYERS[code], [("NUT-M8", 2)], po=f"PO-{code}-picked")
            assert order.status == "approved"
        else:
            # 16 drills: over both companies' approval-free amounts (1,000 EUR, 2,000 USD)
            order = place(self.BUYERS[code], [("DRILL-18V", 16)], po=f"PO-{code}")
            assert order.status == "pending_approval"
        self[key] = order.number
        return order.number


ORDERS = PlacedOrders()
ORDERING = CUSTOMERS
# Whoever may see Acme's order: its buyer and the company's approvers and admins.
ACME_ORDER_READERS = ["acme.buyer", "acme.manager", "acme.admin"]
DECIDERS = ["acme.manager", "acme.admin", "borealis.manager"]
WAREHOUSE = ["warehouse.north", "warehouse.south"]
# NORTH's stock and Acme's approved order (shipped from NORTH) are warehouse.north's;
# warehouse.south gets 404 for them, everyone without a warehouse 403.
NORTH_ONLY = {**only(["warehouse.north"], others=403), "warehouse.south": 404}
SOUTH_STAFF = ("warehouse.south",)
MOVE = {"quantity": "5", "change": "-1", "reason": "Access test", "reorder_point": "10"}

# Acme's invoice (of acme.buyer's order): its buyer and company admin see it, as do finance
# and operators; warehouse staff have no invoices at all (403).
INVOICE_READERS = ["acme.buyer", "acme.admin", "finance", "admin"]
INVOICE_PAGE = {**only(INVOICE_READERS, others=404), **dict.fromkeys(WAREHOUSE, 403)}
# Finance and operators see every company's invoices, so Borealis' is theirs to reach too.
INVOICE_OWNERS = ("borealis.buyer", "borealis.manager", "finance", "admin")
FINANCE_ONLY = ["finance"]


def acme_invoice(action: str = "", **route) -> Route:
    """A page of Acme's invoice (``action`` after it), Borealis' as the foreign one."""
    return Route(
        lambda p: f"/invoices/{ORDERS['acme_invoiced']}/{action}",
        route.pop("expect", INVOICE_PAGE),
        foreign_path=lambda p: f"/invoices/{ORDERS['borealis_invoiced']}/{action}",
        foreign_owners=INVOICE_OWNERS,
        role_first=True,
        **route,
    )


def finance_post(**extra) -> dict:
    """Finance alone may act on an invoice: everyone else is refused before any lookup."""
    return {"expect": only(FINANCE_ONLY, status=302), "method": "post", "extra": extra}


def north_stock(action: str, *, post: bool = False) -> Route:
    """A page of NORTH's BOLT-M8-50 stock (``action`` after it), SOUTH's as the foreign one."""
    return Route(
        lambda p: f"/inventory/NORTH/BOLT-M8-50/{action}",
        {**NORTH_ONLY, "warehouse.north": 302} if post else NORTH_ONLY,
        method="post" if post else "get",
        extra=MOVE if post else {},
        foreign_path=lambda p: f"/inventory/SOUTH/BOLT-M8-50/{action}",
        foreign_owners=SOUTH_STAFF,
        role_first=True,
    )


ROUTES: dict[str, Route] = {
    "dashboard": Route(lambda p: "/", only(SIGNED_IN)),
    "healthz": Route(lambda p: "/healthz", everyone(200)),
    "favicon": Route(lambda p: "/favicon.ico", everyone(302)),
    "login": Route(lambda p: "/accounts/login/", everyone(302, anonymous=200)),
    # Signing out changes state, so it is POST only.
    "logout": Route(lambda p: "/accounts/logout/", everyone(405)),
    # Password reset is for whoever cannot sign in; a signed-in user may use it all the same.
    "password-reset": Route(lambda p: "/accounts/password-reset/", everyone(200)),
    "password-reset-sent": Route(lambda p: "/accounts/password-reset/sent/", everyone(200)),
    "password-reset-complete": Route(lambda p: "/accounts/password-reset/done/", everyone(200)),
    # A link that is not a valid token: the page says so, nothing more.
    "password-reset-confirm": Route(
        lambda p: "/accounts/password-reset/MQ/not-a-token/", everyone(200)
    ),
    "catalog": Route(lambda p: "/catalog/", only([*CUSTOMERS, "admin"])),
    "product-detail": Route(
        lambda p: "/catalog/BOLT-M8-50/",
        only([*CUSTOMERS, "admin"]),
    ),
    # Type-ahead: whoever may browse the catalog gets the products it shows them.
    "catalog-suggestions": Route(
        lambda p: "/catalog/search/suggestions/?q=bolt", only([*CUSTOMERS, "admin"])
    ),
    "company-users": Route(lambda p: "/company/users/", only(["acme.admin"])),
    "cart": Route(lambda p: "/cart/", only(ORDERING)),
    "cart-add": Route(
        lambda p: "/cart/add/",
        only(ORDERING, status=302),
        method="post",
        extra={"sku": "NUT-M8", "quantity": "2"},
    ),
    # A line id that is in nobody's cart: not found, as a line of another buyer's cart is.
    "cart-line": Route(lambda p: "/cart/lines/999999/", only(ORDERING, status=404), method="post"),
    "cart-submit": Route(lambda p: "/cart/submit/", only(ORDERING, status=400), method="post"),
    "quick-order": Route(lambda p: "/cart/quick-order/", only(ORDERING)),
    "orders": Route(lambda p: "/orders/", only(ORDERING)),
    "order-detail": Route(
        lambda p: f"/orders/{ORDERS['acme']}/",
        only(ACME_ORDER_READERS, others=404),
        foreign_path=lambda p: f"/orders/{ORDERS['borealis']}/",
    ),
    # Only the buyer may cancel; colleagues who can see the order are refused (403), as on
    # every other buyer-only action.
    "order-cancel": Route(
        lambda p: f"/orders/{ORDERS['acme']}/cancel/",
        {**only(ACME_ORDER_READERS, others=404, status=403), "acme.buyer": 302},
        method="post",
        foreign_path=lambda p: f"/orders/{ORDERS['borealis']}/cancel/",
    ),
    "order-reorder": Route(
        lambda p: f"/orders/{ORDERS['acme']}/reorder/",
        only(ACME_ORDER_READERS, others=404, status=302),
        method="post",
        foreign_path=lambda p: f"/orders/{ORDERS['borealis']}/reorder/",
    ),
    "approvals": Route(lambda p: "/approvals/", only(DECIDERS)),
    # A decision without its required comment: Acme's deciders get the form back (400) and
    # nothing changes; its buyer may not decide; nobody else sees the order at all.
    "order-decide": Route(
        lambda p: f"/orders/{ORDERS['acme']}/decide/",
        {**only(ACME_ORDER_READERS, others=404, status=400), "acme.buyer": 403},
        method="post",
        foreign_path=lambda p: f"/orders/{ORDERS['borealis']}/decide/",
        extra={"action": "request_changes", "version": "1", "comment": ""},
    ),
    # Only the buyer who placed an order edits it; colleagues who see it are refused (403).
    "order-edit": Route(
        lambda p: f"/orders/{ORDERS['acme']}/edit/",
        {**only(ACME_ORDER_READERS, others=404, status=403), "acme.buyer": 200},
        foreign_path=lambda p: f"/orders/{ORDERS['borealis']}/edit/",
    ),
    # The pending order is not a draft: its buyer is told so (409).
    "order-line": Route(
        lambda p: f"/orders/{ORDERS['acme']}/lines/999999/",
        {**only(ACME_ORDER_READERS, others=404, status=403), "acme.buyer": 409},
        method="post",
        foreign_path=lambda p: f"/orders/{ORDERS['borealis']}/lines/999999/",
    ),
    "order-add-lines": Route(
        lambda p: f"/orders/{ORDERS['acme']}/add/",
        {**only(ACME_ORDER_READERS, others=404, status=403), "acme.buyer": 409},
        method="post",
        foreign_path=lambda p: f"/orders/{ORDERS['borealis']}/add/",
        extra={"lines": "NUT-M8, 2"},
    ),
    "order-submit": Route(
        lambda p: f"/orders/{ORDERS['acme']}/submit/",
        {**only(ACME_ORDER_READERS, others=404, status=403), "acme.buyer": 409},
        method="post",
        foreign_path=lambda p: f"/orders/{ORDERS['borealis']}/submit/",
    ),
    "inventory": Route(lambda p: "/inventory/", only(WAREHOUSE)),
    "picking": Route(lambda p: "/inventory/picking/", only(WAREHOUSE)),
    "pick-list": Route(
        lambda p: f"/inventory/picking/{ORDERS['acme_approved']}/",
        NORTH_ONLY,
        foreign_path=lambda p: f"/inventory/picking/{ORDERS['borealis_approved']}/",
        foreign_owners=SOUTH_STAFF,
        role_first=True,
    ),
    "order-ship": Route(
        lambda p: f"/inventory/picking/{ORDERS['acme_approved']}/ship/",
        {**NORTH_ONLY, "warehouse.north": 302},
        method="post",
        foreign_path=lambda p: f"/inventory/picking/{ORDERS['borealis_approved']}/ship/",
        foreign_owners=SOUTH_STAFF,
        role_first=True,
    ),
    "stock-detail": north_stock(""),
    "stock-receive": north_stock("receive/", post=True),
    "stock-adjust": north_stock("adjust/", post=True),
    "stock-reorder-point": north_stock("reorder-point/", post=True),
    "invoices": Route(lambda p: "/invoices/", only([*CUSTOMERS, "finance", "admin"])),
    "invoice": acme_invoice(),
    "invoice-pdf": Route(
        lambda p: f"/invoices/{ORDERS['acme_rendered']}/pdf/",
        INVOICE_PAGE,
        foreign_path=lambda p: f"/invoices/{ORDERS['borealis_invoiced']}/pdf/",
        foreign_owners=INVOICE_OWNERS,
        role_first=True,
    ),
    "invoice-xml": acme_invoice("xml/"),
    "invoice-pay": acme_invoice(
        "pay/",
        **finance_post(amount="1.00", reference="Access test", received_on="2026-01-01"),
    ),
    "invoice-credit": acme_invoice("credit/", **finance_post(reason="Access test")),
    "invoice-archive-create": Route(
        lambda p: f"/invoices/archives/?q={ORDERS['acme_invoiced']}",
        only(FINANCE_ONLY, status=302),
        method="post",
    ),
    "invoice-archive": Route(
        lambda p: f"/invoices/archives/{ORDERS['finance_archive']}/", only(FINANCE_ONLY)
    ),
    "invoice-archive-download": Route(
        lambda p: f"/invoices/archives/{ORDERS['finance_archive']}/download/", only(FINANCE_ONLY)
    ),
    "aging": Route(lambda p: "/finance/aging/", only(FINANCE_ONLY)),
    "payment-attention": Route(lambda p: "/finance/attention/", only(FINANCE_ONLY)),
    # The card page is for the customers who see a card-paying invoice; finance and
    # operators see it but do not pay it (404), warehouse staff have no invoices (403).
    "invoice-card": Route(
        lambda p: f"/invoices/{ORDERS['acme_card']}/card/",
        {
            **only(["acme.buyer", "acme.admin"], others=404),
            **dict.fromkeys(WAREHOUSE, 403),
        },
        foreign_path=lambda p: f"/invoices/{ORDERS['borealis_card']}/card/",
        foreign_owners=("borealis.buyer",),
        role_first=True,
    ),
    # Stripe's webhook: no session, no CSRF; an unsigned POST is refused for everyone.
    "stripe-webhook": Route(lambda p: "/stripe/webhook/", everyone(400), method="post"),
    # Two-factor sign-in is for everyone signed in; without a device there is no code to
    # ask for, so the code page sends the user on.
    "two-factor": Route(lambda p: "/accounts/two-factor/", only(SIGNED_IN)),
    "two-factor-verify": Route(
        lambda p: "/accounts/two-factor/verify/", only(SIGNED_IN, status=302)
    ),
    # An invitation link that is not a valid token: the page says so, nothing more.
    "invite-accept": Route(lambda p: "/accounts/invitation/MQ/not-a-token/", everyone(200)),
    "company-user-invite": Route(lambda p: "/company/users/invite/", only(["acme.admin"])),
    **{
        name: Route(
            lambda p, action=action: f"/company/users/{member_pk(OWN_MEMBER['acme'])}/{action}/",
            only(["acme.admin"], others=404, status=302),
            method="post",
            foreign_path=lambda p, action=action: (
                f"/company/users/{member_pk(OWN_MEMBER['borealis'])}/{action}/"
            ),
        )
        for name, action in [
            ("company-user-deactivate", "deactivate"),
            ("company-user-reactivate", "reactivate"),
            ("company-user-invite-again", "invite-again"),
        ]
    },
    "company-user-edit": Route(
        lambda p: f"/company/users/{member_pk(OWN_MEMBER['acme'])}/",
        only(["acme.admin"], others=404),
        foreign_path=lambda p: f"/company/users/{member_pk(OWN_MEMBER['borealis'])}/",
    ),
    # The audit trail: operators read all of it, company admins their own company's part.
    "audit": Route(lambda p: "/audit/", only(["acme.admin", "admin"])),
}

# The operator admin is Django's: staff only, everyone else is sent to its sign-in.
ADMIN_NAMESPACE = "admin"
ADMIN_SAMPLES = [
    "/admin/",
    "/admin/catalog/product/",
    "/admin/accounts/company/",
    "/admin/accounts/membership/",
    "/admin/inventory/warehouse/",
    "/admin/inventory/stocklevel/",
    "/admin/inventory/stockmovement/",
    "/admin/approvals/approvalpolicy/",
    "/admin/approvals/approval/",
    "/admin/orders/order/",
    "/admin/invoices/invoice/",
    "/admin/invoices/stripeevent/",
    "/admin/invoices/paymentissue/",
]


def url_patterns(resolver: URLResolver | None = None, prefix: str = "") -> list[tuple[str, str]]:
    """Every pattern of the URLconf as (route, 'namespace:name'); unnamed ones get ''."""
    resolver = resolver or get_resolver()
    found = []
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += url_patterns(pattern, route)
        elif isinstance(pattern, URLPattern):
            found.append((route, pattern.name or ""))
    return found


def uncovered_patterns(patterns: list[tuple[str, str]]) -> list[str]:
    """Patterns with no entry: not in ROUTES and not part of Django's admin."""
    return [
        name or route
        for route, name in patterns
        if name not in ROUTES and not route.startswith(f"{ADMIN_NAMESPACE}/")
    ]


def test_every_url_pattern_has_an_entry():
    assert uncovered_patterns(url_patterns()) == []


@pytest.mark.urls("tests.urls_with_extra_page")
def test_a_new_url_without_an_entry_fails_the_access_test():
    missing = uncovered_patterns(url_patterns())
    assert missing == ["unlisted-report"]


@pytest.fixture(autouse=True)
def _stripe_keys(settings):
    """Card payment is configured (nothing here reaches Stripe), so its page exists."""
    settings.STRIPE_SECRET_KEY = "sk_test_access"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_access"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_access"


@pytest.fixture
def placed_orders(demo):
    """Orders of each demo company, placed as a route asks for them (see PlacedOrders)."""
    ORDERS.clear()
    return ORDERS


def client_for(client, persona: str):
    if persona != "anonymous":
        client.force_login(get_user_model().objects.get(username=persona))
    return client


def assert_outcome(response, expected, persona, path):
    if expected == LOGIN:
        assert response.status_code == 302, f"{persona} {path}: {response.status_code}"
        assert response["Location"].startswith("/accounts/login/"), response["Location"]
    else:
        assert response.status_code == expected, (
            f"{persona} {path}: expected {expected}, got {response.status_code}"
        )


CASES = [(name, persona) for name in ROUTES for persona in PERSONAS]


@pytest.mark.django_db
@pytest.mark.parametrize(("route_name", "persona"), CASES)
def test_route_answers_each_persona(client, placed_orders, route_name, persona):
    route = ROUTES[route_name]
    path = route.path(persona)
    response = getattr(client_for(client, persona), route.method)(path, route.extra)
    assert_outcome(response, route.expected(persona), persona, path)


FOREIGN = [(name, p) for name, r in ROUTES.items() if r.foreign_path for p in PERSONAS]


@pytest.mark.django_db
@pytest.mark.parametrize(("route_name", "persona"), FOREIGN)
def test_another_companys_object_is_not_found(client, placed_orders, route_name, persona):
    route = ROUTES[route_name]
    path = route.foreign_path(persona)
    response = getattr(client_for(client, persona), route.method)(path, route.extra)
    expected = route.expected(persona)
    # Nobody but their owners may touch Borealis' or SOUTH's objects: 404, never a hint.
    if persona in route.foreign_owners:
        return  # their own object; covered by the own-object test on Acme's and NORTH's side
    if expected == LOGIN:
        foreign = LOGIN
    elif route.role_first and expected == 403:
        foreign = 403
    else:
        foreign = 404
    assert_outcome(response, foreign, persona, path)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("path", ADMIN_SAMPLES)
def test_admin_is_for_operators_only(client, demo, persona, path):
    response = client_for(client, persona).get(path)
    if persona == "admin":
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_the_stripe_webhook_takes_posts_only(client, demo, persona):
    assert client_for(client, persona).get("/stripe/webhook/").status_code == 405


@pytest.mark.django_db
def test_signing_out_is_a_post(client, demo):
    client_for(client, "acme.buyer")
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302
