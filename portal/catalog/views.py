from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.vary import vary_on_headers

from inventory.selectors import availability_for
from portal.accounts.permissions import membership_of
from portal.catalog.filters import ProductFilter
from portal.catalog.permissions import product_for, products_visible_to, require_catalog_access
from portal.catalog.tables import ProductTable
from portal.paging import paginate
from pricing.engine import quote

PAGE_SIZES = (25, 10, 50, 100)  # the first is the default


def _page_size(request) -> int:
    try:
        size = int(request.GET.get("per_page", PAGE_SIZES[0]))
    except ValueError:
        return PAGE_SIZES[0]
    return size if size in PAGE_SIZES else PAGE_SIZES[0]


@login_required
@vary_on_headers("HX-Request")  # the partial and the page share a URL: caches must not mix them
def product_list(request):
    require_catalog_access(request.user)
    product_filter = ProductFilter(
        request.GET, queryset=products_visible_to(request.user), request=request
    )
    table = ProductTable(product_filter.qs)
    paginate(table, request, per_page=_page_size(request))
    membership = membership_of(request.user)
    if membership is not None:
        # One engine call prices the whole page, at each product's smallest orderable quantity.
        page = [row.record for row in table.page.object_list]
        priced = quote(company=membership.company, lines=[(p, p.min_qty) for p in page])
        table.prices = {line.product.pk: line for line in priced.lines}
        table.availability = availability_for(membership.company, [p.pk for p in page])
    template = "catalog/list.html"
    if request.htmx and request.htmx.target == "catalog-results":
        template += "#results"
    # An unknown category or similar is the user's input to fix, not an empty result.
    status = 400 if product_filter.is_bound and not product_filter.is_valid() else 200
    return render(
        request,
        template,
        {"filter": product_filter, "table": table, "page_sizes": PAGE_SIZES},
        status=status,
    )


@login_required
def product_detail(request, sku: str):
    require_catalog_access(request.user)
    product = product_for(request.user, sku)
    # Prices belong to a company; an operator without one sees the product without a price.
    membership = membership_of(request.user)
    line = tiers = availability = None
    if membership is not None:
        line = quote(company=membership.company, lines=[(product, product.min_qty)]).lines[0]
        tiers = line.tier_table()
        availability = availability_for(membership.company, [product.pk])[product.pk]
    return render(
        request,
        "catalog/detail.html",
        {"product": product, "price": line, "tiers": tiers, "availability": availability},
    )
