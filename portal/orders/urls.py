from django.urls import path

import portal.converters  # noqa: F401  (registers the key converters)
from portal.orders import views

urlpatterns = [
    path("cart/", views.cart_detail, name="cart"),
    path("cart/add/", views.cart_add_view, name="cart-add"),
    path("cart/lines/<int:line_id>/", views.cart_line_update, name="cart-line"),
    path("cart/submit/", views.cart_submit, name="cart-submit"),
    path("cart/quick-order/", views.quick_order, name="quick-order"),
    path("orders/", views.order_list, name="orders"),
    path("orders/<order:number>/", views.order_detail_view, name="order-detail"),
    path("orders/<order:number>/cancel/", views.order_cancel_view, name="order-cancel"),
    path("orders/<order:number>/reorder/", views.order_reorder_view, name="order-reorder"),
    path("orders/<order:number>/edit/", views.order_edit_view, name="order-edit"),
    path("orders/<order:number>/lines/<int:line_id>/", views.order_line_update, name="order-line"),
    path("orders/<order:number>/add/", views.order_add_lines, name="order-add-lines"),
    path("orders/<order:number>/submit/", views.order_resubmit, name="order-submit"),
]
