from django.conf import settings
from django.db import models
from django.db.models import Q

from portal.accounts.models import Company
from portal.audit.tracking import tracked
from portal.orders.models import Order


@tracked()
class ApprovalPolicy(models.Model):
    """A company's rules for which orders need approval; operators edit it in the admin.

    A company without a policy has every order approved on submission, unless the
    buyer's monthly budget says otherwise.
    """

    company = models.OneToOneField(
        Company, on_delete=models.CASCADE, related_name="approval_policy"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["company__code"]
        verbose_name_plural = "approval policies"

    def __str__(self) -> str:
        return f"Approval policy of {self.company}"


@tracked()
class ApprovalThreshold(models.Model):
    """Orders whose net total is above ``above`` need ``approvals`` approvals.

    The highest threshold below an order's net total applies; below the lowest one an
    order is approved on submission.
    """

    policy = models.ForeignKey(ApprovalPolicy, on_delete=models.CASCADE, related_name="thresholds")
    above = models.DecimalField(
        "net total above", max_digits=14, decimal_places=2, help_text="In the company's currency."
    )
    approvals = models.PositiveSmallIntegerField("approvals needed")
    last_by_company_admin = models.BooleanField(
        "last approval by a company admin",
        default=False,
        help_text="The approval that completes the order must come from a company admin.",
    )

    class Meta:
        ordering = ["policy", "above"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "above"], name="one_threshold_per_amount"),
            models.CheckConstraint(condition=Q(above__gte=0), name="threshold_not_negative"),
            models.CheckConstraint(
                condition=Q(approvals__gte=1) & Q(approvals__lte=5),
                name="threshold_needs_one_to_five_approvals",
            ),
        ]

    def __str__(self) -> str:
        return f"> {self.above}: {self.approvals}"


class ApprovalRequirement(models.Model):
    """What an order needed when it was last submitted, frozen with the reasons why."""

    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, related_name="approval_requirement"
    )
    approvals_required = models.PositiveSmallIntegerField()
    last_by_company_admin = models.BooleanField(default=False)
    net_total = models.DecimalField(max_digits=14, decimal_places=2)
    # The buyer's monthly budget and what their month held before this order.
    budget = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    budget_spent_before = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    reasons = models.JSONField(default=list)
    order_version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.order}: {self.approvals_required} approval(s)"

    @property
    def budget_spent_after(self):
        return self.budget_spent_before + self.net_total

    @property
    def over_budget(self) -> bool:
        return self.budget is not None and self.budget_spent_after > self.budget


@tracked()
class Approval(models.Model):
    """One person's approval of one version of an order.

    Editing the order or requesting changes voids its approvals; they stay as history.
    """

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approvals_given"
    )
    order_version = models.PositiveIntegerField()
    # Whether this approver could have given the last approval (a company admin where the
    # policy asks for one, an approval limit covering the total): the order needs one such.
    with_authority = models.BooleanField(default=False)
    completed_order = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["order", "created_at", "pk"]
        constraints = [
            # One person gives at most one (standing) approval of an order.
            models.UniqueConstraint(
                fields=["order", "approver"],
                condition=Q(voided_at__isnull=True),
                name="one_standing_approval_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order} approved by {self.approver}"
