from django.urls import path

import portal.converters  # noqa: F401  (registers the key converters)
from portal.catalog import views

urlpatterns = [
    path("catalog/", views.product_list, name="catalog"),
    path("catalog/<sku:sku>/", views.product_detail, name="product-detail"),
]
