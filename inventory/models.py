from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from portal.accounts.models import Company


class Warehouse(models.Model):
    code = models.SlugField(max_length=20, unique=True, help_text="e.g. NORTH")
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["code"]
        permissions = [("operate_warehouse", "Can see and move the warehouse's stock")]

    def __str__(self) -> str:
        return self.code


class CompanyWarehouse(models.Model):
    """The warehouse that reserves and ships a company's orders."""

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="supply")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="supplies")

    class Meta:
        ordering = ["company"]

    def __str__(self) -> str:
        return f"{self.company} ← {self.warehouse}"


class WarehouseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Warehouse, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        ordering = ["pk"]


class WarehouseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Warehouse, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        ordering = ["pk"]
