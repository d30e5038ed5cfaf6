from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from inventory.selectors import availability_for
from portal import fragments, versions
from portal.accounts.permissions import membership_of
from portal.catalog.filters import ProductFilter
from portal.catalog.forms import SuggestionForm
from portal.catalog.models import Category
from portal.catalog.permissions import product_for, products_visible_to, require_catalog_access
from portal.catalog.selectors import product_suggestions
from portal.catalog.tables import PRICE_SORTS, SORTS, ProductTable
from portal.paging import paginate
from pricing.engine import quote
from pricing.selectors import next_validity_change

PAGE_SIZES = (25, 10, 50, 100)  # the first is the default


def _page_size(request) -> int:
    try:
        size = int(request.GET.get("per_page", PAGE_SIZES[0]))
    except ValueError:
        return PAGE_SIZES[0]
    return size if size in PAGE_SIZES else PAGE_SIZES[0]


def _sort_of(table) -> str:
    """The table's sort as the "Sort by" select names it ("" for the default, by SKU)."""
    if not table.order_by:
        return ""
    sort = str(table.order_by[0])
    return "" if sort == "sku" else sort


@login_required
@vary_on_headers("HX-Request")  # the partial and the page share a URL: caches must not mix them
def product_list(request):
    require_catalog_access(request.user)
    membership = membership_of(request.user)
    company = membership.company if membership is not None else None
    # The same address shows the same rows to every user of a company until a product,
    # price or stock level changes (see portal.versions); an address refused (an unknown
    # category or similar: the user's input to fix) is refused again, with its message.
    parts = (
        "catalog-results",
        company.pk if company is not None else None,
        request.user.is_staff,
        request.get_full_path(),
        bool(request.htmx and request.htmx.boosted),
    )
    status, results, filters = versions.cached(
        versions.CATALOG, parts, lambda: _results(request, company), until=_prices_change
    )
    results = fragments.with_csrf_token(results, request)
    if request.htmx and request.htmx.target == "catalog-results":
        return HttpResponse(results, status=status)
    return render(
        request,
        "catalog/list.html",
        {"filters": filters, "results": results},
        status=status,
    )


def _prices_change():
    """When the prices a page shows now may change by the clock alone."""
    return next_validity_change(timezone.now())


def _sorts(company):
    return SORTS if company is not None else [s for s in SORTS if s[0] not in PRICE_SORTS]


def _results(request, company) -> tuple[int, str, SafeString]:
    """The answer's status (400 for an address the filter refuses), the catalog's results
    (count, table, pages) and its filter bar, as HTML: the bar's choices (categories,
    sorts) and values change with the URL and the catalog, as the results do, and are
    cached with them."""
    product_filter = ProductFilter(
        request.GET, queryset=products_visible_to(request.user), request=request
    )
    status = 400 if product_filter.is_bound and not product_filter.is_valid() else 200
    table = ProductTable(product_filter.qs, company=company)
    paginate(table, request, per_page=_page_size(request))
    if company is not None:
        # One engine call prices the whole page (sorting by price has priced it already).
        page = [row.record for row in table.page.object_list]
        table.price_rows(page)
        table.availability = availability_for(company, [p.pk for p in page])
    context = {
        "filter": product_filter,
        "table": table,
        "sorts": _sorts(company),
        "sort": _sort_of(table),
        "rows": table.prepared_rows(),
        "back": request.get_full_path(),
        "add_url": reverse("cart-add"),
        "csrf_token": fragments.CSRF_HOLE,
        "categories": Category.objects.values_list("slug", "name"),
        "page_sizes": PAGE_SIZES,
        "page_size": _page_size(request),
    }
    html = render_to_string("catalog/list.html#results", context, request)
    # The filter bar (a GET form: no token) shows the same choices as long as the results.
    filters = render_to_string("catalog/list.html#filters", context, request)
    return status, str(html), filters  # a SafeString, which the cache keeps as one


@login_required
@require_GET
def product_suggestions_view(request):
    """The options of a SKU search's ``<datalist>``: products matching what was typed."""
    require_catalog_access(request.user)
    form = SuggestionForm(request.GET)
    if not form.is_valid():
        errors = " ".join(e for errs in form.errors.values() for e in errs)
        return render(request, "catalog/suggestions.html", {"error": errors}, status=400)
    products = product_suggestions(request.user, form.cleaned_data["q"])
    return render(request, "catalog/suggestions.html", {"products": products})


@login_required
def product_detail(request, sku: str):
    require_catalog_access(request.user)
    # Prices belong to a company; an operator without one sees the product without a price.
    membership = membership_of(request.user)
    company = membership.company if membership is not None else None
    # The product and its price card change with the catalog's data: one cached entry
    # (an unknown SKU raises 404 and is not cached).
    parts = (
        "product-page",
        sku,
        request.user.is_staff,
        company.pk if company is not None else None,
        request.get_full_path(),
    )
    product, price_card = versions.cached(
        versions.CATALOG,
        parts,
        lambda: _product_page(request, sku, company),
        until=_prices_change,
    )
    return render(
        request,
        "catalog/detail.html",
        {
            "product": product,
            "price_card": fragments.with_csrf_token(price_card, request) if price_card else None,
            "vat_exempt": company is not None and company.tax_exempt,
        },
    )


def _product_page(request, sku: str, company) -> tuple:
    product = product_for(request.user, sku)
    return product, _price_card(request, company, product) if company is not None else None


def _price_card(request, company, product) -> str:
    """The company's price of ``product``, its tiers, its availability and the add form."""
    line = quote(company=company, lines=[(product, product.min_qty)]).lines[0]
    html = render_to_string(
        "catalog/detail.html#price-card",
        {
            "product": product,
            "price": line,
            "tiers": line.tier_table(),
            "availability": availability_for(company, [product.pk])[product.pk],
            "vat_exempt": company.tax_exempt,
            "csrf_token": fragments.CSRF_HOLE,
        },
        request,
    )
    return str(html)
