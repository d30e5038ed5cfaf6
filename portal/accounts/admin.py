from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from portal.accounts.models import Address, Company, CustomerGroup, Membership
from portal.accounts.services import company_groups_ensure, membership_set


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0


@admin.register(CustomerGroup)
class CustomerGroupAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Company)
class CompanyAdmin(GuardedModelAdmin):
    list_display = [
        "legal_name",
        "code",
        "currency",
        "customer_group",
        "payment_method",
        "payment_terms_days",
        "tax_exempt",
        "is_active",
    ]
    list_filter = ["currency", "customer_group", "payment_method", "tax_exempt", "is_active"]
    search_fields = ["legal_name", "code", "vat_id"]
    inlines = [AddressInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        company_groups_ensure(company=obj)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "company",
        "is_buyer",
        "is_approver",
        "is_company_admin",
        "approval_limit",
        "monthly_budget",
    ]
    list_filter = ["company", "is_buyer", "is_approver", "is_company_admin"]
    search_fields = ["user__username", "user__email", "company__legal_name"]
    list_select_related = ["user", "company"]
    autocomplete_fields = ["user", "company"]

    def save_model(self, request, obj, form, change):
        # Roles live in permission groups too: save through the service that keeps both in step.
        obj.pk = membership_set(
            user=obj.user,
            company=obj.company,
            is_buyer=obj.is_buyer,
            is_approver=obj.is_approver,
            is_company_admin=obj.is_company_admin,
            approval_limit=obj.approval_limit,
            monthly_budget=obj.monthly_budget,
        ).pk
