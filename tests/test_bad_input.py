"""Bad input to every URL, form and HTMX endpoint of the project, as every persona.

Every URL of the project, walked from the resolver (Django's admin aside), is reached
through its entry in the access test's table, which gives its path for each persona: a
URL added later is fuzzed as soon as it has that entry (and fails here until it does).
Hypothesis sends it what a careless, hurried or hostile client would: bad query strings
(the page's filter, sort and paging parameters and others), malformed path keys, the forms
the pages show (read from their HTML) with bad, missing, repeated, huge or control-character
values, bad uploads, malformed bodies, replayed submissions and missing or foreign CSRF
tokens, with and without HTMX's headers. Whatever comes in:

- the answer is never a 5xx, and a key that matches no URL is a 404;
- a refused request (4xx, or the sign-in redirect of a persona the URL refuses) leaves
  the database as it was, unless its page announces what it did do (a quick order adds
  its valid lines and says so, while it shows the others for fixing);
- a refused form says why on the page, and shows again what the person typed;
- a form with a one-time token, sent twice, is done once.

Each example runs in a savepoint that is rolled back, so every example starts from the same
state and a refused request is compared against that state. SETUPS brings a URL's objects
into the state in which its forms are shown (a cart with lines, a reopened order).
FOUND_AND_FIXED keeps each bug the suite found, with the request that showed it.
BAD_INPUT_SCALE=10 tries ten times as many examples, for a deeper search.
"""

from __future__ import annotations

import copy
import os
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils.html import escape
from hypothesis import HealthCheck, Phase, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from approvals.services import order_edit
from portal.catalog.models import Product
from portal.orders.models import Order
from portal.orders.services import cart_add_many, cart_get_or_create
from tests.bad_requests import (
    PARAM_NAMES,
    QUERY_GARBAGE,
    UPLOADS,
    Probe,
    bad_values,
    path_segment,
    query_string,
    raw_bodies,
    text,
    uploads,
    value_for,
)
from tests.pages import Field, Form, Page, json_error, problems_shown, read_page
from tests.test_access import (
    ADMIN_NAMESPACE,
    CUSTOMERS,
    LOGIN,
    ORDERS,
    PERSONAS,
    ROUTES,
    Route,
    url_patterns,
)
from tests.test_safe_requests import BOOKKEEPING, CSRF_EXEMPT, changed, snapshot

# What the access test's valid requests send, by field name.
GOOD_VALUES = {key: value for route in ROUTES.values() for key, value in route.extra.items()}
# BAD_INPUT_SCALE=10 tries ten times as many examples (the suite's time grows with it).
SCALE = float(os.environ.get("BAD_INPUT_SCALE", "1"))
# What a persona the URL turns away gets: these need no form message.
REFUSALS = (403, 404, 405, LOGIN)
# The test client needs no CSRF token (but for the "csrf" probes, which send their own).
CSRF_FIELD = "csrfmiddlewaretoken"
# The sign-out form is on every page; it is fuzzed on its own URL's turn only.
LAYOUT_FORMS = {"logout"}


def _user(username: str):
    return get_user_model().objects.get(username=username)


def _fill_carts(orders) -> None:
    """Each customer's cart holds two lines, so the cart shows its line and checkout forms."""
    items = [("NUT-M8", 2), ("BOLT-M8-50", 50)]
    for username in CUSTOMERS:
        buyer = _user(username)
        cart = cart_get_or_create(buyer=buyer, company=buyer.membership.company)
        cart_add_many(
            cart=cart, items=[(Product.objects.get(sku=s), q) for s, q in items], by=buyer
        )


def _reopen_acme_order(orders) -> None:
    """Acme's pending order, reopened by its buyer: its edit page shows the draft's forms."""
    order_edit(order=Order.objects.get(number=orders["acme"]), by=_user("acme.buyer"))


@dataclass(frozen=True)
class Setup:
    """A state in which a URL's forms are shown and processed, and the pages showing them."""

    prepare: object = None
    hosts: tuple[str, ...] = ()


# URLs whose forms only appear in some state (a cart with lines, a reopened order), or on
# another URL's page. Any other URL is fuzzed in the state the access test leaves it in,
# with the forms of its own page and the fields of its access-test request.
SETUPS: dict[str, Setup] = {
    "cart": Setup(_fill_carts),
    "cart-line": Setup(_fill_carts, ("cart",)),
    "cart-submit": Setup(_fill_carts, ("cart",)),
    "cart-add": Setup(hosts=("product-detail",)),
    "order-line": Setup(_reopen_acme_order, ("order-edit",)),
    "order-add-lines": Setup(_reopen_acme_order, ("order-edit",)),
    "order-submit": Setup(_reopen_acme_order, ("order-edit",)),
    "order-cancel": Setup(hosts=("order-detail",)),
    "order-reorder": Setup(hosts=("order-detail",)),
    "order-decide": Setup(hosts=("approvals", "order-detail")),
    "order-ship": Setup(hosts=("pick-list",)),
    "stock-reorder-point": Setup(hosts=("stock-detail",)),
    "invoice-pay": Setup(hosts=("invoice",)),
    "invoice-credit": Setup(hosts=("invoice",)),
    "invoice-archive-create": Setup(hosts=("invoices",)),
    "logout": Setup(hosts=("dashboard",)),
}


def route_name_of(path: str) -> str | None:
    """The URL name ``path`` resolves to, decoded as Django decodes it; None for no URL."""
    try:
        return resolve(unquote(urlsplit(path).path, errors="replace")).url_name
    except Resolver404:
        return None


def resolves(path: str) -> bool:
    """Whether the URL, or the same with a slash added (CommonMiddleware), has a view."""
    bare = urlsplit(path).path
    return any(route_name_of(p) is not None for p in (bare, f"{bare}/"))


def personas_for(route: Route) -> list[str]:
    """Who the URL lets through (four at most, spread over the list when more may), then
    anonymous and one signed-in persona it refuses."""
    allowed = [p for p in PERSONAS if route.expected(p) not in REFUSALS]
    if len(allowed) > 4:
        allowed = [allowed[round(i * (len(allowed) - 1) / 3)] for i in range(4)]
    refused = [p for p in PERSONAS if route.expected(p) in REFUSALS]
    sample = [p for p in refused if p == "anonymous"] + [p for p in refused if p != "anonymous"]
    return allowed + sample[:2]


@dataclass
class Target:
    """A form a persona can post: as a page shows it, or the URL's own with its fields."""

    persona: str
    form: Form
    route: str | None
    baseline: dict[str, list[str]]  # what submitting it as intended sends
    from_page: bool


@dataclass
class Plan:
    """What the suite knows about one URL before it starts sending bad requests to it."""

    name: str
    route: Route
    personas: list[str]
    paths: dict[str, str]
    clients: dict[str, Client] = field(default_factory=dict)
    csrf_clients: dict[str, Client] = field(default_factory=dict)
    cookies: dict[str, object] = field(default_factory=dict)
    csrf_cookies: dict[str, object] = field(default_factory=dict)
    pages: list[tuple[str, Page]] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    param_values: dict[str, set[str]] = field(default_factory=dict)
    ids: set[str] = field(default_factory=set)
    foreign_token: str = ""

    @classmethod
    def build(cls, name: str) -> Plan:
        route = ROUTES[name]
        setup = SETUPS.get(name, Setup())
        personas = personas_for(route)
        if setup.prepare:
            setup.prepare(ORDERS)
        # Paths first: building them places the orders the URL needs.
        paths = {p: route.path(p) for p in personas}
        plan = cls(name, route, personas, paths)
        for persona in personas:
            plan.clients[persona] = plan._signed_in(Client(), persona)
        plan._read_pages(setup.hosts)
        plan._own_targets()
        for persona in {t.persona for t in plan.targets}:
            plan.csrf_clients[persona] = plan._signed_in(Client(enforce_csrf_checks=True), persona)
        # Signing in wrote last_login; sessions are bookkeeping. From here on, every example
        # starts from this state, and the clients from these cookies.
        plan.cookies = {p: copy.deepcopy(c.cookies) for p, c in plan.clients.items()}
        plan.csrf_cookies = {p: copy.deepcopy(c.cookies) for p, c in plan.csrf_clients.items()}
        return plan

    @staticmethod
    def _signed_in(client: Client, persona: str) -> Client:
        if persona != "anonymous":
            client.force_login(_user(persona))
        return client

    def _read_pages(self, hosts: tuple[str, ...]) -> None:
        own = [(self.name, self.route.method == "get")]
        for host, own_page in [*own, *((h, False) for h in hosts)]:
            route = ROUTES[host]
            if route.method != "get":
                continue
            for persona in self.personas:
                path = route.path(persona)
                response = self.clients[persona].get(path)
                if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                    continue
                page = read_page(response.content.decode(), path)
                self.pages.append((persona, page))
                self.ids |= page.ids
                for form in page.forms:
                    target = route_name_of(form.action)
                    if form.method == "get":
                        for f in form.fields:
                            self.param_values.setdefault(f.name, set()).update(
                                [f.value, *f.options]
                            )
                        continue
                    if target in LAYOUT_FORMS and target != self.name:
                        continue
                    if own_page or target == self.name:
                        self._add_target(persona, form, target, from_page=True)
                for name, values in page.link_params.items():
                    self.param_values.setdefault(name, set()).update(values)
                token = response.cookies.get("csrftoken")
                if token is not None:
                    self.foreign_token = token.value

    def _add_target(self, persona: str, form: Form, target: str | None, *, from_page: bool):
        baseline = form.values()
        extra = ROUTES[target].extra if target in ROUTES else {}
        for key, value in extra.items():
            # The access test's request is a valid one: its values fill what the page left
            # empty (a quantity to type), but never replace a live one (an order's version).
            if not any(baseline.get(key, [])):
                baseline[key] = [value]
        for key, values in baseline.items():
            # A field the page left empty gets what another URL's valid request sends under
            # that name ("lines" of a quick order, as for adding lines to an order).
            if not any(values) and key in GOOD_VALUES:
                baseline[key] = [GOOD_VALUES[key]]
        baseline.pop(CSRF_FIELD, None)
        self.targets.append(Target(persona, form, target, baseline, from_page))

    def _own_targets(self) -> None:
        """The URL's own request, for a URL that takes posts but whose form no page shows."""
        if self.route.method != "post":
            return
        known = {}
        for target in self.targets:
            if target.route == self.name:
                known.update(dict.fromkeys(target.form.field_names()))
        for persona in self.personas:
            form = Form(method="post", action=self.paths[persona])
            form.fields = [Field(name, "text") for name in {**known, **self.route.extra}]
            self._add_target(persona, form, self.name, from_page=False)

    def reset(self) -> None:
        """Give each client back the cookies it had when the plan was made."""
        for persona, client in self.clients.items():
            client.cookies = copy.deepcopy(self.cookies[persona])
        for persona, client in self.csrf_clients.items():
            client.cookies = copy.deepcopy(self.csrf_cookies[persona])

    # Strategies -------------------------------------------------------------------------

    def examples(self) -> int:
        """A few for a page's query and path, more for its filters and for each URL its
        forms post to."""
        posts = {t.route for t in self.targets}
        filters = 6 if self.param_values else 0  # a list's filters, sorting and paging
        return round(min(8 + filters + 5 * len(posts), 30) * SCALE)

    def probes(self) -> st.SearchStrategy[Probe]:
        kinds = ["query", "query", "path"]
        if self.targets:
            kinds += ["form", "form", "form", "raw", "replay", "csrf"]
        return st.sampled_from(kinds).flatmap(self._probe)

    def _probe(self, kind: str) -> st.SearchStrategy[Probe]:
        return getattr(self, f"_{kind}")()

    def _headers(self) -> st.SearchStrategy[dict]:
        ids = sorted(self.ids) or ["results"]
        return st.one_of(
            st.just({}),
            st.builds(
                lambda target, current: {
                    "HX-Request": "true",
                    "HX-Target": target,
                    "HX-Current-URL": current,
                },
                st.one_of(st.sampled_from(ids), st.sampled_from(["", "x" * 1000, "stock-0"])),
                st.sampled_from(["", "http://testserver/", "not a url", "http://[::1"]),
            ),
        )

    def _params(self) -> st.SearchStrategy[str]:
        names = sorted({*self.param_values, *PARAM_NAMES})

        @st.composite
        def pair(draw):
            name = draw(st.one_of(st.sampled_from(names), bad_values()))
            known = sorted(self.param_values.get(name, set()))
            value = draw(value_for(known[0], known) if known else bad_values())
            return name, value

        return st.one_of(
            st.lists(pair(), min_size=1, max_size=4).map(query_string),
            st.lists(st.sampled_from(QUERY_GARBAGE), min_size=1, max_size=3).map("&".join),
        )

    def _with_query(self, path: str, query: str) -> str:
        return f"{path}{'&' if '?' in path else '?'}{query}"

    def _own_body(self, persona: str) -> dict | None:
        if self.route.method != "post":
            return None
        own = [t for t in self.targets if t.persona == persona and t.route == self.name]
        return _flat(own[0].baseline) if own else dict(self.route.extra)

    def _query(self):
        @st.composite
        def build(draw):
            persona = draw(st.sampled_from(self.personas))
            path = self._with_query(self.paths[persona], draw(self._params()))
            return Probe(
                "query",
                persona,
                self.route.method,
                path,
                data=self._own_body(persona),
                headers=draw(self._headers()),
            )

        return build()

    def _path(self):
        @st.composite
        def build(draw):
            persona = draw(st.sampled_from(self.personas))
            path = self.paths[persona]
            bare, _, query = path.partition("?")
            segments = bare.split("/")
            if not any(segments):
                segments.insert(1, "")  # "/": a segment where there is none
            index = draw(st.sampled_from([i for i, s in enumerate(segments) if s or i == 1]))
            segments[index] = draw(path_segment())
            mutated = "/".join(segments) + (f"?{query}" if query else "")
            return Probe(
                "path",
                persona,
                self.route.method,
                mutated,
                data=self._own_body(persona),
                headers=draw(self._headers()),
            )

        return build()

    def _form_data(self, target: Target):
        """The target's intended submission with some fields bad, missing or repeated."""

        @st.composite
        def build(draw):
            data: dict = {}
            known = {f.name: f for f in target.form.fields}
            for name in dict.fromkeys([*target.baseline, *known]):
                if name == CSRF_FIELD:
                    continue
                good = (target.baseline.get(name) or [""])[0]
                field_ = known.get(name)
                if field_ is not None and field_.kind == "file":
                    choice = draw(st.sampled_from(["upload", "missing", "text"]))
                    if choice == "upload":
                        data[name] = draw(uploads())
                    elif choice == "text":
                        data[name] = draw(bad_values())
                    continue
                options = field_.options if field_ is not None else []
                choice = draw(st.sampled_from(["keep", "keep", "bad", "missing", "twice"]))
                if choice == "keep":
                    data[name] = target.baseline.get(name, [good])
                elif choice == "bad":
                    data[name] = draw(value_for(good, options))
                elif choice == "twice":
                    data[name] = [good, draw(value_for(good, options))]
            # A field the form does not have (names a browser could send: not 10,000 long).
            for _ in range(draw(st.integers(0, 1))):
                data[draw(st.one_of(st.sampled_from(PARAM_NAMES), text()))] = draw(bad_values())
            return data

        return build()

    def _target(self):
        return st.sampled_from(self.targets)

    def _form_probe(self, kind: str):
        @st.composite
        def build(draw):
            target = draw(self._target())
            data = draw(self._form_data(target))
            if kind == "replay" and draw(st.booleans()):
                # Half the time the intended submission, so that the first one goes through.
                data = dict(target.baseline)
            headers = draw(self._headers()) if target.form.htmx else {}
            sent = _flat(data)
            typed = {
                f.name: sent[f.name]
                for f in target.form.fields
                if f.typed and isinstance(sent.get(f.name), str)
            }
            return Probe(
                kind,
                target.persona,
                "post",
                target.form.action,
                data=data,
                headers=headers,
                form=target.form if target.from_page else None,
                typed=typed,
            )

        return build()

    def _form(self):
        return self._form_probe("form")

    def _replay(self):
        return self._form_probe("replay")

    def _raw(self):
        @st.composite
        def build(draw):
            target = draw(self._target())
            body, content_type = draw(raw_bodies(_flat(target.baseline)))
            return Probe(
                "raw",
                target.persona,
                "post",
                target.form.action,
                body=body,
                content_type=content_type,
                headers=draw(self._headers()),
            )

        return build()

    def _csrf(self):
        targets = [t for t in self.targets if t.route not in CSRF_EXEMPT]
        if not targets:
            return self._raw()

        @st.composite
        def build(draw):
            target = draw(st.sampled_from(targets))
            token = draw(
                st.sampled_from([None, "", "x" * 64, "\x00" * 64, self.foreign_token or "x"])
            )
            data = _flat(target.baseline)
            if token is not None:
                data[CSRF_FIELD] = token
            return Probe("csrf", target.persona, "post", target.form.action, data=data, csrf=token)

        return build()

    def upload_probes(self) -> list[Probe]:
        """Every bad upload, once, into each form that takes a file."""
        probes = []
        for target in self.targets:
            files = [f.name for f in target.form.fields if f.kind == "file"]
            if not files or any(p.form is target.form for p in probes):
                continue
            for name, content, content_type in UPLOADS:
                upload = SimpleUploadedFile(name, content, content_type=content_type)
                data = {**_flat(target.baseline), files[0]: upload}
                probes.append(
                    Probe(
                        "form",
                        target.persona,
                        "post",
                        target.form.action,
                        data=data,
                        form=target.form,
                    )
                )
        return probes

    # Sending and checking ------------------------------------------------------------------

    def send(self, probe: Probe):
        client = (self.csrf_clients if probe.kind == "csrf" else self.clients)[probe.persona]
        for value in (probe.data or {}).values():
            if hasattr(value, "seek"):
                value.seek(0)  # an upload sent again (a replay) is sent whole again
        if probe.method == "get":
            return client.get(probe.path, headers=probe.headers)
        if probe.body is not None:
            # generic(), as post() would re-encode the body in the charset it names.
            return client.generic(
                "POST",
                probe.path,
                probe.body,
                content_type=probe.content_type,
                headers=probe.headers,
            )
        return client.post(probe.path, probe.data or {}, headers=probe.headers)

    def refused(self, probe: Probe, response) -> bool:
        if 400 <= response.status_code < 500:
            return True
        # Signed out, or without the role: the URL refuses before it looks at the input.
        return self.route.expected(probe.persona) == LOGIN and _to_sign_in(response)


def _flat(values: dict) -> dict:
    """Form data with each one-value list as that value (as the test client sends both)."""
    return {k: (v[0] if isinstance(v, list) and len(v) == 1 else v) for k, v in values.items()}


def _to_sign_in(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def _announced(html: str) -> bool:
    """Whether the page says it did something (a success message): then it may have."""
    return 'class="success"' in html


def _said_why(probe: Probe, response) -> list[str]:
    content = response.content
    if response.get("Content-Type", "").startswith("application/json"):
        error = json_error(content)
        return [error] if error else []
    html = content.decode(errors="replace")
    if html.strip() and "<" not in html:
        return [html.strip()]  # a plain-text answer is all message
    shown = problems_shown(html)
    if not shown and not probe.well_formed and "<h1>Bad request</h1>" in html:
        # A body no browser sends (no boundary, too many fields): Django's own 400 page.
        return ["Bad request"]
    return shown


def _typed_lost(probe: Probe, html: str) -> list[str]:
    """The visible fields whose typed value the refusing page does not show again.

    Only for what a person can send: the form's hidden values as the page gave them (without
    its product, say, a refused "add to cart" has no form to show again).
    """
    hidden = [f for f in probe.form.fields if f.kind == "hidden"]
    if any(_sent(probe, f.name) != [f.value] for f in hidden if f.name != CSRF_FIELD):
        return []
    lost = []
    for name, value in probe.typed.items():
        if not value.strip():
            continue
        if escape(value) not in html and escape(value.strip()) not in html:
            lost.append(name)
    return lost


def findings(plan: Plan, probe: Probe, response, before: State) -> list[tuple[str, str]]:
    """What is wrong with the answer to ``probe``: (kind, description) pairs, none if fine."""
    status = response.status_code
    where = f"{probe!r} -> {status}"
    found = []
    if status >= 500:
        return [("5xx", where)]
    if probe.kind == "path" and not resolves(probe.path) and status != 404:
        found.append(("not-404", where))
    if probe.kind == "csrf" and status != 403:
        found.append(("csrf", where))
    if not plan.refused(probe, response):
        return found
    html = response.content.decode(errors="replace")
    if not _announced(html) and (wrote := _changed_since(before)):
        found.append(("wrote", f"{where}: {wrote}"))
    if probe.method == "post" and status not in REFUSALS and 400 <= status < 500:
        if not _said_why(probe, response):
            found.append(("no-message", where))
        kept = probe.form is not None and probe.form.stays and probe.headers.get("HX-Request")
        lost = _typed_lost(probe, html) if status == 400 and probe.form is not None else []
        if lost and not kept and not _announced(html):
            found.append(("lost-typed", f"{where}: {lost}"))
    return found


def _one_time_token(probe: Probe) -> bool:
    """Whether ``probe`` sends, unchanged, a hidden UUID of its form: an idempotency key."""
    if probe.form is None:
        return False
    hidden = [
        f for f in probe.form.fields if f.kind == "hidden" and not f.included and _uuid([f.value])
    ]
    return any(_sent(probe, f.name)[-1:] == [f.value] for f in hidden)


def _writes() -> int:
    """Rows this transaction has inserted, updated or deleted so far, bookkeeping aside.

    Cheap next to a snapshot: while it has not moved, nothing can have changed.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables"
        )
        return sum(n for table, n in cursor.fetchall() if not table.startswith(BOOKKEEPING))


@dataclass
class State:
    """The database as an example starts from it: its snapshot and its write counter."""

    snapshot: dict
    writes: int

    @classmethod
    def now(cls) -> State:
        return cls(snapshot(), _writes())


def _changed_since(before: State) -> list[str]:
    if _writes() == before.writes:
        return []
    # Something was written, and maybe undone (a savepoint of the view's rolled back).
    return changed(before.snapshot, snapshot())


def answer(plan: Plan, probe: Probe, before: State) -> tuple[object, list[tuple[str, str]]]:
    """Send ``probe``; the response and its findings (an exception is a 5xx)."""
    plan.reset()
    try:
        response = plan.send(probe)
    except Exception as error:  # the test client re-raises what would have been a 500
        return None, [("5xx", f"{probe!r} -> {type(error).__name__}: {error}")]
    return response, findings(plan, probe, response, before)


def _sent(probe: Probe, name: str) -> list[str]:
    """The values ``probe`` sends for the field ``name`` (none if it sends no such field)."""
    if probe.data is not None:
        value = probe.data.get(name)
        values = value if isinstance(value, list) else [] if value is None else [value]
        return [v for v in values if isinstance(v, str)]
    if probe.body is not None and "urlencoded" in probe.content_type:
        pairs = parse_qsl(probe.body.decode(errors="replace"), keep_blank_values=True)
        return [v for k, v in pairs if k == name]
    return []


def _uuid(values: list[str]) -> bool:
    try:
        uuid.UUID(values[-1])
    except (IndexError, ValueError):
        return False
    return True


def _plan_target(route: str, persona: str) -> tuple[Plan, Target]:
    plan = Plan.build(route)
    return plan, next(t for t in plan.targets if t.route == route and t.persona == persona)


def _example(route: str, persona: str, **change) -> tuple[Plan, Probe]:
    """The intended submission of ``route``'s form as ``persona``, with ``change`` made to it
    (a None value leaves the field out)."""
    plan, target = _plan_target(route, persona)
    data = {**_flat(target.baseline), **change}
    data = {k: v for k, v in data.items() if v is not None}
    return plan, Probe("form", persona, "post", target.form.action, data=data)


# What the suite once found, each with the request that showed it: the finding must not
# come back (kind of finding, request).
FOUND_AND_FIXED = {
    # Over 255 characters overflowed the sign-in records' column: a 500.
    "login-long-username": (
        "5xx",
        lambda: _example("login", "anonymous", username="x" * 300, password="secret"),
    ),
    # The sign-in page showed no field errors: an empty form was a 400 with nothing said.
    "login-field-errors": (
        "no-message",
        lambda: _example("login", "anonymous", username="", password=""),
    ),
    # A missing decision button or version was a 400 with nothing said.
    "decision-hidden-fields": (
        "no-message",
        lambda: _example("order-decide", "acme.manager", action=None),
    ),
    # Hidden fields' errors were not shown: a checkout without its token said nothing.
    "checkout-token": ("no-message", lambda: _example("cart-submit", "acme.buyer", token=None)),
    # next=abc was taken for a view name: a 500.
    "cart-add-next-view-name": (
        "5xx",
        lambda: _example("cart-add", "acme.buyer", next="abc"),
    ),
    # A good and a bad line: the good one was added, and the 400 said only what was wrong.
    "add-lines-silent-write": (
        "wrote",
        lambda: _example("order-add-lines", "acme.buyer", lines="NUT-M8, 2\nNO-SUCH-SKU, 1"),
    ),
}


@pytest.fixture(autouse=True)
def _stripe(settings):
    """Card payment is configured, as in the access test; Stripe itself is a closed port,
    so that no request of this suite can reach the network."""
    settings.STRIPE_SECRET_KEY = "sk_test_bad_input"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_bad_input"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_bad_input"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"


@pytest.fixture
def placed_orders(demo):
    ORDERS.clear()
    return ORDERS


def url_names() -> list[str]:
    """Every URL of the project, walked from the resolver (Django's admin aside), by name."""
    found = [
        name or route
        for route, name in url_patterns()
        if not route.startswith(f"{ADMIN_NAMESPACE}/")
    ]
    return list(dict.fromkeys([*ROUTES, *found]))


@pytest.mark.django_db
@pytest.mark.parametrize("route_name", url_names())
def test_bad_input_is_refused_cleanly(placed_orders, route_name):
    if route_name not in ROUTES:
        pytest.fail(f"{route_name}: give it its entry in tests/test_access.py's ROUTES")
    plan = Plan.build(route_name)
    start = snapshot()

    @hypothesis_settings(
        max_examples=plan.examples(),
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )
    @given(probe=plan.probes())
    def bad_request(probe: Probe):
        with transaction.atomic():
            response, found = answer(plan, probe, State(start, _writes()))
            # What was tried and answered, for --hypothesis-show-statistics.
            event(f"{probe.kind} -> {getattr(response, 'status_code', 500)}")
            if response is not None and probe.kind == "replay":
                # The same submission again, as a double click or a resent form does.
                before_again = State.now()
                again, found_again = answer(plan, probe, before_again)
                found += found_again
                # A form with a one-time token (a checkout's) is done once, however often
                # it is sent: a replay that goes through again must write nothing.
                if (
                    response.status_code < 400
                    and again is not None
                    and again.status_code < 400
                    and _one_time_token(probe)
                    and (wrote := _changed_since(before_again))
                ):
                    found.append(("replay-wrote", f"{probe!r}: {wrote}"))
            transaction.set_rollback(True)
        assert found == [], found

    bad_request()

    # Uploads are few and each matters: all of them, not a sample.
    for probe in plan.upload_probes():
        with transaction.atomic():
            _, found = answer(plan, probe, State(start, _writes()))
            transaction.set_rollback(True)
        assert found == []


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(FOUND_AND_FIXED))
def test_what_the_suite_found_stays_fixed(placed_orders, name):
    kind, example = FOUND_AND_FIXED[name]
    plan, probe = example()
    with transaction.atomic():
        _, found = answer(plan, probe, State(snapshot(), _writes()))
        transaction.set_rollback(True)
    assert kind not in [k for k, _ in found], found


# The suite's eyes: what it reads from a page must be what a browser would send and show.

PAGE = """
<form method="get" action="/catalog/"><input name="q" value="bolt"><select name="category">
  <option value="">All</option><option value="nuts" selected>Nuts</option></select></form>
<form method="post" action="/cart/lines/7/" hx-post="/cart/lines/7/" hx-target="#cart"
      hx-include="#checkout"><input name="quantity" value="2"></form>
<form method="post" action="/cart/submit/" id="checkout">
  <input type="hidden" name="token" value="00000000-0000-0000-0000-000000000001">
  <textarea name="note">
Leave at the gate</textarea>
  <input type="checkbox" name="gift"><button name="go" value="yes">Submit</button></form>
<a href="/catalog/?sort=-sku&amp;page=2">next</a>
"""


def test_a_page_is_read_as_a_browser_would_submit_it():
    page = read_page(PAGE, "/catalog/")
    search, line, checkout = page.forms
    assert (search.method, search.values()) == ("get", {"q": ["bolt"], "category": ["nuts"]})
    # HTMX sends the checkout's fields along with the line's (hx-include).
    assert line.values() == {
        "quantity": ["2"],
        "token": ["00000000-0000-0000-0000-000000000001"],
        "note": ["Leave at the gate"],
    }
    assert [f.included for f in line.fields] == [False, True, True, True]
    assert checkout.values()["go"] == ["yes"] and "gift" not in checkout.values()
    assert page.link_params == {"sort": {"-sku"}, "page": {"2"}}
    assert "checkout" in page.ids


def test_a_problem_counts_when_the_page_flags_it_with_words():
    assert problems_shown('<p class="error" role="alert">Quantity must be 1 or more.</p>') == [
        "Quantity must be 1 or more."
    ]
    assert problems_shown('<ul class="messages"><li class="error">Not cancelled</li></ul>')
    # An empty alert (filled in by JavaScript) and a success message say nothing wrong.
    assert problems_shown('<p class="error" role="alert"></p><li class="success">Added</li>') == []
