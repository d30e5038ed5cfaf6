from django.urls import path

from portal.catalog import views

urlpatterns = [
    path("catalog/", views.product_list, name="catalog"),
    path("catalog/<str:sku>/", views.product_detail, name="product-detail"),
]
