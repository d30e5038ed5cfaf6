"""Paging of django-tables2 tables, with the page size chosen by the view, not the URL."""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django_tables2 import LazyPaginator, RequestConfig


def paginate(table, request, *, per_page: int, lazy: bool = False):
    """Sort ``table`` as the URL asks and show one page of ``per_page`` rows.

    django-tables2 would also take ``?per_page=`` from the URL, so that one request could
    ask for the whole table; here the view decides. ``lazy`` pages without ``COUNT(*)``
    (the template then shows no page total). A page number that is not one gives the
    first page, one past the end the last.
    """
    RequestConfig(request, paginate=False).configure(table)
    paginator_class = LazyPaginator if lazy else Paginator
    table.lazy_paging = lazy
    try:
        table.paginate(paginator_class, per_page=per_page, page=request.GET.get("page") or 1)
    except PageNotAnInteger:
        table.paginate(paginator_class, per_page=per_page, page=1)
    except EmptyPage:
        if lazy:
            table.paginate(paginator_class, per_page=per_page, page=1)
        else:
            table.page = table.paginator.page(table.paginator.num_pages)
    return table
