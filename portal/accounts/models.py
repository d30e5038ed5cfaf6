from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from portal.audit.tracking import tracked

currency_code = RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO 4217 code, e.g. EUR.")


class CustomerRole(models.TextChoices):
    BUYER = "buyer", "Buyer"
    APPROVER = "approver", "Approver"
    COMPANY_ADMIN = "company_admin", "Company admin"


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    CARD = "card", "Card"


class CustomerGroup(models.Model):
    """A set of companies that share group price lists (e.g. "Wholesale")."""

    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


@tracked()
class Company(models.Model):
    """A wholesale customer: the unit of pricing, approval policy and data isolation."""

    code = models.SlugField(max_length=30, unique=True, help_text="Short handle, e.g. acme.")
    legal_name = models.CharField(max_length=200, unique=True)
    vat_id = models.CharField("VAT id", max_length=30, blank=True)
    currency = models.CharField(max_length=3, validators=[currency_code])
    payment_terms_days = models.PositiveSmallIntegerField(
        default=30, help_text="Invoice due date = issue date + this many days (0 = on receipt)."
    )
    payment_method = models.CharField(
        max_length=20, choices=PaymentMethod, default=PaymentMethod.BANK_TRANSFER
    )
    tax_exempt = models.BooleanField(default=False)
    customer_group = models.ForeignKey(
        CustomerGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="companies"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["legal_name"]
        verbose_name_plural = "companies"
        permissions = [
            ("place_orders", "Can order for the company"),
            ("view_company_orders", "Can see every order of the company"),
            ("approve_orders", "Can approve the company's orders"),
            ("view_company_invoices", "Can see every invoice of the company"),
            ("manage_members", "Can manage the company's users"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="company_currency_iso4217"
            ),
        ]

    def __str__(self) -> str:
        return self.legal_name


@tracked()
class Address(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(max_length=60, help_text="e.g. Main warehouse, Head office")
    line1 = models.CharField(max_length=200)
    line2 = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=20)
    city = models.CharField(max_length=100)
    country = models.CharField(max_length=2, help_text="ISO 3166 code, e.g. DE")
    is_billing = models.BooleanField(default=False)
    is_shipping = models.BooleanField(default=True)

    class Meta:
        ordering = ["company", "label"]
        verbose_name_plural = "addresses"
        constraints = [
            models.UniqueConstraint(fields=["company", "label"], name="address_label_unique"),
            models.UniqueConstraint(
                fields=["company"], condition=Q(is_billing=True), name="one_billing_address"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.line1}, {self.postal_code} {self.city}, {self.country}"


@tracked()
class Membership(models.Model):
    """A user's place in their one company: roles, approval limit and monthly budget.

    Role flags are kept in step with the company's permission groups by
    ``services.membership_set``; never edit them without it.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="memberships")
    is_buyer = models.BooleanField("buyer", default=True)
    is_approver = models.BooleanField("approver", default=False)
    is_company_admin = models.BooleanField("company admin", default=False)
    approval_limit = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Largest net order total this person may give the final approval for. "
        "Empty = no limit (company admins) or not an approver.",
    )
    monthly_budget = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Net spend per calendar month before every order needs approval. Empty = none.",
    )

    class Meta:
        ordering = ["company", "user__username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_buyer=True) | Q(is_approver=True) | Q(is_company_admin=True),
                name="membership_has_a_role",
            ),
            models.CheckConstraint(
                condition=Q(approval_limit__isnull=True) | Q(approval_limit__gte=0),
                name="approval_limit_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(monthly_budget__isnull=True) | Q(monthly_budget__gte=0),
                name="monthly_budget_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.company.code}"

    @property
    def roles(self) -> list[str]:
        flags = [
            (self.is_buyer, CustomerRole.BUYER),
            (self.is_approver, CustomerRole.APPROVER),
            (self.is_company_admin, CustomerRole.COMPANY_ADMIN),
        ]
        return [role.value for on, role in flags if on]

    @property
    def role_labels(self) -> list[str]:
        return [CustomerRole(role).label for role in self.roles]


class CompanyRoleGroup(models.Model):
    """The auth group that carries one role's object permissions on one company."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="role_groups")
    role = models.CharField(max_length=20, choices=CustomerRole)
    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="company_role")

    class Meta:
        ordering = ["company", "role"]
        constraints = [
            models.UniqueConstraint(fields=["company", "role"], name="one_group_per_company_role")
        ]

    def __str__(self) -> str:
        return self.group.name


class CompanyUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Company, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        ordering = ["pk"]


class CompanyGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Company, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        ordering = ["pk"]


class StaffRole(models.TextChoices):
    WAREHOUSE = "warehouse", "Warehouse"
    FINANCE = "finance", "Finance"


FINANCE_GROUP = "finance"
# Staff groups are named by convention so one query tells every role a user holds.
WAREHOUSE_GROUP_PREFIX = "warehouse:"
