from django.urls import path

import portal.converters  # noqa: F401  (registers the key converters)
from portal.catalog import views

urlpatterns = [
    path("catalog/", views.product_list, name="catalog"),
    # Two segments, so that no SKU's page (/catalog/<sku>/) can ever be taken for it.
    path(
        "catalog/search/suggestions/",
        views.product_suggestions_view,
        name="catalog-suggestions",
    ),
    path("catalog/<sku:sku>/", views.product_detail, name="product-detail"),
]
