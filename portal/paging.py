"""Paging of django-tables2 tables, with the page size chosen by the view, not the URL."""

import re

from django.core.paginator import EmptyPage, Paginator
from django_tables2 import LazyPaginator, RequestConfig

# Lazy paging reads past every skipped row: a page beyond this is answered with the first.
MAX_LAZY_PAGE = 10_000
_PAGE = re.compile(r"[0-9]{1,9}")


def page_error(request) -> str:
    """What is wrong with the URL's ``?page=``, or "" when it is absent or a page number.

    For pages that answer a malformed page with 400 rather than with the first page.
    """
    raw = request.GET.get("page")
    if raw is None or (_PAGE.fullmatch(raw) and int(raw) >= 1):
        return ""
    return f"Page {raw[:20]!r} is not a page number: use 1, 2, 3 …"


def paginate(table, request, *, per_page: int, lazy: bool = False):
    """Sort ``table`` as the URL asks and show one page of ``per_page`` rows.

    django-tables2 would also take ``?per_page=`` from the URL, so that one request could
    ask for the whole table; here the view decides. ``lazy`` pages without ``COUNT(*)``
    (the template then shows no page total). A page number that is not one gives the
    first page, one past the end the last (the first, when paging lazily).
    """
    RequestConfig(request, paginate=False).configure(table)
    paginator_class = LazyPaginator if lazy else Paginator
    table.lazy_paging = lazy
    raw = request.GET.get("page") or "1"
    page = int(raw) if _PAGE.fullmatch(raw) else 1
    if lazy and page > MAX_LAZY_PAGE:
        page = 1
    try:
        table.paginate(paginator_class, per_page=per_page, page=page)
    except EmptyPage:
        if lazy:
            table.paginate(paginator_class, per_page=per_page, page=1)
        else:
            table.page = table.paginator.page(table.paginator.num_pages)
    return table
