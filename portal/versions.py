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
    if not snapshot:
        snapshot.update(zip(TABLES, _read(tuple(TABLES)), strict=True))
    return tuple(snapshot[kind] for kind in kinds)


def _read(kinds: tuple[str, ...]) -> tuple[int, ...]:
    # Names of our own sequences only: sequence_of refuses any other.
    names = [sequence_of(kind) for kind in kinds]
    columns = ", ".join(f"(SELECT last_value FROM {name})" for name in names)  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}")
        return cursor.fetchone()


# Every kind's version, read together on first use inside ``read_once``.
_snapshot: ContextVar[dict[str, int] | None] = ContextVar("portal_versions", default=None)


@contextlib.contextmanager
def read_once():
    """Within the block, the versions are read once, every kind in the same query, and
    then reused: for a request that writes nothing (``DataVersionsMiddleware``).

    Reading a version earlier than the data it files is safe: the data read after it is
    at least as new. A block that wrote and then read a cached result would be served the
    result from before its write, so it is for reading requests only.
    """
    token = _snapshot.set({})
    try:
        yield
    finally:
        _snapshot.reset(token)


def cache_key(kinds: str | tuple[str, ...], *parts) -> str:
    """A cache key for a result about ``kinds`` of data that depends on ``parts``, at
    today's date (prices and due dates move with it) and at the data's current versions."""
    kinds = (kinds,) if isinstance(kinds, str) else kinds
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    at = ".".join(str(version) for version in current(*kinds))
    return f"{'+'.join(kinds)}:{at}:{timezone.localdate().isoformat()}:{digest}"


def cached(kinds: str | tuple[str, ...], parts: tuple, compute, *, until=None):
    """``compute()``'s result, cached under the current versions of ``kinds`` and
    ``parts`` (which must name everything else the result depends on). ``until()``, if
    given, says when a result computed now stops being right whatever the data (a price
    list that starts at two o'clock): it is kept no longer than that."""
    key = cache_key(kinds, *parts)
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(key, value, seconds_to_keep(until() if until else None))
    return value


_MISSING = object()


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
