from django.urls import path

import portal.converters  # noqa: F401  (registers the key converters)
from inventory import views

urlpatterns = [
    path("inventory/", views.stock_list, name="inventory"),
    path("inventory/picking/", views.picking, name="picking"),
    path("inventory/picking/<order:number>/", views.pick_list, name="pick-list"),
    path("inventory/picking/<order:number>/ship/", views.ship, name="order-ship"),
    path("inventory/<warehouse:code>/<sku:sku>/", views.stock_detail, name="stock-detail"),
    path(
        "inventory/<warehouse:code>/<sku:sku>/receive/",
        views.stock_receive_view,
        name="stock-receive",
    ),
    path(
        "inventory/<warehouse:code>/<sku:sku>/adjust/", views.stock_adjust_view, name="stock-adjust"
    ),
    path(
        "inventory/<warehouse:code>/<sku:sku>/reorder-point/",
        views.stock_reorder_point_view,
        name="stock-reorder-point",
    ),
]
