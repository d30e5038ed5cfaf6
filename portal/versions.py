"""Versions of the data behind cached results: a cached result is filed under them.

PostgreSQL keeps one sequence per kind of data, and triggers on every table behind
that kind move it on each write (migration ``portal.0002_data_versions``). A result
cached under the version it was computed at is never served once the data has changed:
the next request reads a higher number and computes afresh. Because the database moves
the number, bulk ``update()``, the admin, the shell and migrations move it too; nothing
has to remember to.

The number moves twice per write: when the statement runs, so that the writing
transaction (and a test, which never commits) reads the new number at once, and again
at commit, so that a request that read the old data under the first new number files
it under a number nobody asks for any more. Between that last move and the commit
becoming visible a page could still file old data under the newest number; cached
results therefore also expire (``CACHE_SECONDS``), which bounds that case.
"""

import contextlib
import hashlib
import math
import pickle  # nosec B403  # only its error class: the cache unpickles, not this module
from contextvars import ContextVar

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.utils import timezone

# Kind of data -> the tables behind it. Adding a table here needs a migration that puts
# the triggers on it (tests/test_cached_pages.py checks that every one has them).
CATALOG = "catalog"  # what a catalog row shows: product, its price, its availability
INVOICES = "invoices"  # what invoice totals add up: documents, payments, refunds
USERS = "users"  # who a signed-in user is: account, groups, membership, company permissions
PICKS = "picks"  # which orders wait to be picked where (triggers: inventory.0008)
TABLES = {
    CATALOG: (
        "catalog_category",
        "catalog_product",
        "accounts_company",
        "accounts_customergroup",
        "pricing_pricelist",
        "pricing_pricelistentry",
        "pricing_contract",
        "pricing_contractprice",
        "pricing_companypricelist",
        "pricing_grouppricelist",
        "pricing_companypricing",
        "inventory_warehouse",
        "inventory_companywarehouse",
        "inventory_stocklevel",
    ),
    INVOICES: ("invoices_invoice", "invoices_payment", "invoices_refund"),
    USERS: (
        "auth_user",
        "auth_group",
        "auth_user_groups",
        "accounts_membership",
        "accounts_company",
        "accounts_companyuserobjectpermission",
        "accounts_companygroupobjectpermission",
        "inventory_warehouseuserobjectpermission",  # and warehouse ones (inventory.0007)
        "inventory_warehousegroupobjectpermission",
    ),
    PICKS: ("orders_order",),
}
# One version per company (migration ``portal.0004_company_orders_versions``): its numbered
# orders (a cart moves nothing) and the tables of rows that belong to them.
ORDERS = "orders"  # a company's orders as the order list, queue and dashboards show them
ORDERS_TABLES = (
    "orders_order",
    "orders_orderevent",
    "approvals_approval",
    "approvals_approvalrequirement",
)
CACHE_SECONDS = 300


def sequence_of(kind: str) -> str:
    if kind not in TABLES:
        raise ValueError(f"No data version is kept for {kind!r}.")
    return f"portal_version_{kind}"


def current(*kinds: str) -> tuple[int, ...]:
    """The versions of ``kinds`` now (one query), or as ``read_once`` first read them."""
    for kind in kinds:
        sequence_of(kind)  # refuses a kind no version is kept for
    snapshot = _snapshot.get()
    if snapshot is None:
        return _read(kinds)
    snapshot.fill()
    return tuple(snapshot.values[kind] for kind in kinds)


def orders_of(company_ids) -> tuple[int, ...]:
    """The ``ORDERS`` versions of these companies, by ascending id: one query for those
    ``read_once`` has not read yet (the signed-in user's company it read with the rest)."""
    ids = sorted({int(company_id) for company_id in company_ids})
    snapshot = _snapshot.get()
    if snapshot is None:
        return _read_orders(ids)
    snapshot.fill()
    missing = [company_id for company_id in ids if (ORDERS, company_id) not in snapshot.values]
    snapshot.values.update(zip(((ORDERS, m) for m in missing), _read_orders(missing), strict=True))
    return tuple(snapshot.values[ORDERS, company_id] for company_id in ids)


def _columns(kinds) -> list[str]:
    # Names of our own sequences only: sequence_of refuses any other.
    return [f"(SELECT last_value FROM {sequence_of(kind)})" for kind in kinds]  # noqa: S608  # nosec B608


def _read(kinds: tuple[str, ...]) -> tuple[int, ...]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(_columns(kinds))}")
        return cursor.fetchone()


def _read_orders(company_ids: list[int]) -> tuple[int, ...]:
    if not company_ids:
        return ()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(["portal_orders_version(%s)"] * len(company_ids)), company_ids
        )
        return cursor.fetchone()


# The company of a user, with its orders' version.
_MEMBERSHIP = (
    "(SELECT ARRAY[m.company_id, portal_orders_version(m.company_id)]"
    " FROM accounts_membership m WHERE m.user_id = %s)"
)
NOT_READ = object()


class _Snapshot:
    """The versions a reading request has read, and what it read with them."""

    def __init__(self, user_id: int | None, also: dict):
        self.user_id = user_id
        self.also = also
        self.values: dict = {}

    def fill(self) -> None:
        if self.values:
            return
        columns, params = _columns(TABLES), []
        if self.user_id is not None:
            columns.append(_MEMBERSHIP)
            params.append(self.user_id)
            for sql, query_params in self.also.values():
                columns.append(f"({sql})")
                params.extend(query_params)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(columns)}", params)
            row = cursor.fetchone()
        self.values.update(zip(TABLES, row, strict=False))
        if self.user_id is not None:
            membership = row[len(TABLES)]
            if membership is not None:
                self.values[ORDERS, membership[0]] = membership[1]
            self.values.update(zip(self.also, row[len(TABLES) + 1 :], strict=True))


# Every kind's version, read together on first use inside ``read_once``.
_snapshot: ContextVar[_Snapshot | None] = ContextVar("portal_versions", default=None)


@contextlib.contextmanager
def read_once(*, user_id: int | None = None, also: dict | None = None):
    """Within the block, the versions are read once, every kind in the same query, and
    then reused: for a request that writes nothing (``DataVersionsMiddleware``).

    With ``user_id`` (the session's user), the same query reads the ``ORDERS`` version of
    that user's company and the queries of ``also`` (by name, each an SQL statement and its
    parameters, giving one value or no row): ``read_with`` hands those out.

    Reading a version earlier than the data it files is safe: the data read after it is
    at least as new. A block that wrote and then read a cached result would be served the
    result from before its write, so it is for reading requests only.
    """
    token = _snapshot.set(_Snapshot(user_id, also or {}))
    try:
        yield
    finally:
        _snapshot.reset(token)


def read_with(name: str, user_id: int):
    """What ``read_once`` read under ``name`` for this user (None: its query found no row),
    or ``NOT_READ``."""
    snapshot = _snapshot.get()
    if snapshot is None or snapshot.user_id != user_id or name not in snapshot.also:
        return NOT_READ
    snapshot.fill()
    return snapshot.values[name]


def cache_key(kinds: str | tuple[str, ...], *parts, companies=()) -> str:
    """A cache key for a result about ``kinds`` of data (and the ``ORDERS`` of
    ``companies``) that depends on ``parts``, at today's date (prices and due dates move
    with it) and at the data's current versions."""
    kinds = (kinds,) if isinstance(kinds, str) else kinds
    if companies:
        parts = (*parts, ORDERS, orders_of(companies))
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    at = ".".join(str(version) for version in current(*kinds))
    return f"{'+'.join(kinds)}:{at}:{timezone.localdate().isoformat()}:{digest}"


def cached(kinds: str | tuple[str, ...], parts: tuple, compute, *, until=None, companies=()):
    """``compute()``'s result, cached under the current versions of ``kinds`` (and the
    ``ORDERS`` of ``companies``) and ``parts`` (which must name everything else the result
    depends on). ``until()``, if given, says when a result computed now stops being right
    whatever the data (a price list that starts at two o'clock): it is kept no longer."""
    key = cache_key(kinds, *parts, companies=companies)
    # The key names this value for good: the shared cache lets each worker keep a copy.
    get = getattr(cache, "get_immutable", cache.get)
    try:
        value = get(key, _MISSING)
    except UNREADABLE:
        value = _MISSING  # kept by code before a deploy changed what it caches: computed anew
    if value is _MISSING:
        value = compute()
        put = getattr(cache, "set_immutable", cache.set)
        put(key, value, seconds_to_keep(until() if until else None))
    return value


_MISSING = object()
# What unpickling raises for a value whose class has moved, lost or changed its fields.
UNREADABLE = (AttributeError, ImportError, TypeError, pickle.UnpicklingError)


def seconds_to_keep(ends_at) -> int:
    """How long to keep a result that stops being right at ``ends_at`` (None: never)."""
    if ends_at is None:
        return CACHE_SECONDS
    left = math.ceil((ends_at - timezone.now()).total_seconds())
    return max(1, min(CACHE_SECONDS, left))


def query_of(queryset) -> tuple:
    """What names a queryset's rows in a cache key: its SQL and parameters."""
    try:
        return queryset.order_by().query.sql_with_params()
    except EmptyResultSet:
        return ()
