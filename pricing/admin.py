"""Operator admin for lists, entries, contracts and strategies; every save goes through the
audited services, and the audit log itself is read-only."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from portal.history_admin import HistoryAdmin
from pricing.models import (
    CompanyPriceList,
    CompanyPricing,
    Contract,
    ContractPrice,
    GroupPriceList,
    PriceAudit,
    PriceList,
    PriceListEntry,
)
from pricing.selectors import price_list_entries_csv
from pricing.services import (
    CsvImportError,
    PricingError,
    company_pricing_set,
    contract_delete,
    contract_prices_replace,
    contract_save,
    price_list_entry_delete,
    price_list_entry_save,
    price_list_import_csv,
    price_list_save,
    tiers_check,
)


def _changes_link(obj) -> str:
    if obj is None or obj.pk is None:
        return "—"
    url = reverse("admin:pricing_priceaudit_changelist")
    return format_html(
        '<a href="{}?model={}&object_id={}">Change history</a>',
        url,
        obj._meta.model_name,
        obj.pk,
    )


class CompanyPriceListInline(admin.TabularInline):
    model = CompanyPriceList
    extra = 0
    autocomplete_fields = ["company"]
    verbose_name = "assignment to a company"
    verbose_name_plural = "assigned to companies (lower priority number is consulted first)"


class GroupPriceListInline(admin.TabularInline):
    model = GroupPriceList
    extra = 0
    verbose_name = "assignment to a customer group"
    verbose_name_plural = "assigned to customer groups (lower priority number is consulted first)"


class PriceListForm(forms.ModelForm):
    class Meta:
        model = PriceList
        fields = [
            "name",
            "currency",
            "is_default",
            "note",
            "parent",
            "percent",
            "valid_from",
            "valid_to",
        ]

    def clean(self):
        data = super().clean()
        parent = data.get("parent")
        if parent is not None:
            if data.get("currency") and parent.currency != data["currency"]:
                self.add_error("parent", "The parent list must be in the same currency.")
            ancestor = parent
            while ancestor is not None:
                if self.instance.pk is not None and ancestor.pk == self.instance.pk:
                    self.add_error("parent", "A list cannot derive from itself.")
                    break
                ancestor = ancestor.parent
            if data.get("percent") is None:
                self.add_error("percent", "A rule list needs an adjustment, e.g. -10.00.")
        elif data.get("percent") is not None:
            self.add_error("parent", "An adjustment needs a parent list to adjust.")
        return data


@admin.register(PriceList)
class PriceListAdmin(admin.ModelAdmin):
    form = PriceListForm
    list_display = ["name", "currency", "parent", "percent", "is_default", "valid_from", "valid_to"]
    list_filter = ["currency", "is_default"]
    search_fields = ["name"]
    list_select_related = ["parent"]
    readonly_fields = ["csv_links", "history"]
    inlines = [CompanyPriceListInline, GroupPriceListInline]
    fieldsets = [
        (None, {"fields": ["name", "currency", "is_default", "note"]}),
        ("Rule (leave empty for a list of fixed prices)", {"fields": ["parent", "percent"]}),
        ("Validity [from, to)", {"fields": ["valid_from", "valid_to"]}),
        ("Entries", {"fields": ["csv_links", "history"]}),
    ]

    @admin.display(description="CSV")
    def csv_links(self, obj):
        if obj is None or obj.pk is None:
            return "Save the list first."
        entries = reverse("admin:pricing_pricelistentry_changelist")
        return format_html(
            '<a href="{}?price_list__id__exact={}">Entries</a> · '
            '<a href="{}">Import CSV</a> · <a href="{}">Export CSV</a>',
            entries,
            obj.pk,
            reverse("admin:pricing_pricelist_import", args=[obj.pk]),
            reverse("admin:pricing_pricelist_export", args=[obj.pk]),
        )

    @admin.display(description="Changes")
    def history(self, obj):
        return _changes_link(obj)

    def save_model(self, request, obj, form, change):
        price_list_save(price_list=obj, by=request.user)

    def get_urls(self):
        own = [
            path(
                "<int:object_id>/import/",
                self.admin_site.admin_view(self.import_view),
                name="pricing_pricelist_import",
            ),
            path(
                "<int:object_id>/export/",
                self.admin_site.admin_view(self.export_view),
                name="pricing_pricelist_export",
            ),
        ]
        return own + super().get_urls()

    def _price_list(self, request, object_id: int, *, change: bool) -> PriceList:
        price_list = PriceList.objects.filter(pk=object_id).first()
        if price_list is None:
            raise Http404("No such price list.")
        allowed = (
            self.has_change_permission(request, price_list)
            if change
            else self.has_view_permission(request, price_list)
        )
        if not allowed:
            raise PermissionDenied
        return price_list

    def export_view(self, request, object_id: int):
        price_list = self._price_list(request, object_id, change=False)
        response = HttpResponse(
            price_list_entries_csv(price_list=price_list), content_type="text/csv; charset=utf-8"
        )
        filename = price_list.name.replace(" ", "-").replace('"', "")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response

    def import_view(self, request, object_id: int):
        price_list = self._price_list(request, object_id, change=True)
        errors: list[str] = []
        status = 200
        if request.method == "POST":
            upload = request.FILES.get("file")
            if upload is None:
                errors = ["Choose a CSV file to upload."]
            else:
                try:
                    result = price_list_import_csv(
                        price_list=price_list, file=upload, by=request.user
                    )
                except CsvImportError as error:
                    errors = error.errors
                else:
                    messages.success(
                        request,
                        f"Imported into {price_list}: {result.created} added, "
                        f"{result.updated} changed, {result.deleted} removed, "
                        f"{result.unchanged} unchanged.",
                    )
                    return redirect("admin:pricing_pricelist_change", price_list.pk)
            status = 400
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": price_list,
            "title": f"Import CSV into {price_list}",
            "errors": errors,
        }
        return TemplateResponse(
            request, "admin/pricing/pricelist/import_csv.html", context, status=status
        )


class PriceListEntryForm(forms.ModelForm):
    class Meta:
        model = PriceListEntry
        fields = ["price_list", "product", "min_qty", "unit_price"]

    def clean(self):
        data = super().clean()
        price_list, product = data.get("price_list"), data.get("product")
        if price_list and product and data.get("min_qty") and data.get("unit_price") is not None:
            others = PriceListEntry.objects.filter(price_list=price_list, product=product)
            if self.instance.pk:
                others = others.exclude(pk=self.instance.pk)
            tiers = [*others.values_list("min_qty", "unit_price")]
            tiers.append((data["min_qty"], data["unit_price"]))
            try:
                tiers_check(sku=product.sku, tiers=tiers)
            except PricingError as error:
                raise ValidationError(str(error)) from None
        return data


@admin.register(PriceListEntry)
class PriceListEntryAdmin(admin.ModelAdmin):
    form = PriceListEntryForm
    list_display = ["price_list", "product", "min_qty", "unit_price"]
    list_filter = ["price_list"]
    search_fields = ["product__sku", "product__name"]
    list_select_related = ["price_list", "product"]
    autocomplete_fields = ["product"]
    readonly_fields = ["history"]
    list_per_page = 50

    @admin.display(description="Changes")
    def history(self, obj):
        return _changes_link(obj)

    def save_model(self, request, obj, form, change):
        price_list_entry_save(entry=obj, by=request.user)

    def delete_model(self, request, obj):
        price_list_entry_delete(entry=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for entry in queryset.select_related("price_list", "product"):
            price_list_entry_delete(entry=entry, by=request.user)


class ContractPriceFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        tables: dict = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("product"):
                continue
            if data.get("min_qty") is None or data.get("unit_price") is None:
                continue
            tables.setdefault(data["product"], []).append((data["min_qty"], data["unit_price"]))
        for product, tiers in tables.items():
            try:
                tiers_check(sku=product.sku, tiers=tiers)
            except PricingError as error:
                raise ValidationError(str(error)) from None


class ContractPriceInline(admin.TabularInline):
    model = ContractPrice
    formset = ContractPriceFormSet
    extra = 1
    autocomplete_fields = ["product"]
    fields = ["product", "min_qty", "unit_price"]


class ContractForm(forms.ModelForm):
    class Meta:
        model = Contract
        fields = ["code", "company", "currency", "valid_from", "valid_to", "note"]

    def clean(self):
        data = super().clean()
        company = data.get("company")
        if company is not None and data.get("currency") and data["currency"] != company.currency:
            self.add_error("currency", f"Must be {company.currency}, the company's currency.")
        return data


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    form = ContractForm
    list_display = ["code", "company", "currency", "valid_from", "valid_to"]
    list_filter = ["currency"]
    search_fields = ["code", "company__legal_name", "company__code"]
    list_select_related = ["company"]
    autocomplete_fields = ["company"]
    readonly_fields = ["history"]
    inlines = [ContractPriceInline]

    @admin.display(description="Changes")
    def history(self, obj):
        return _changes_link(obj)

    def save_model(self, request, obj, form, change):
        contract_save(contract=obj, by=request.user)

    def save_formset(self, request, form, formset, change):
        if formset.model is not ContractPrice:
            return super().save_formset(request, form, formset, change)
        prices = [
            (f.cleaned_data["product"], f.cleaned_data["min_qty"], f.cleaned_data["unit_price"])
            for f in formset.forms
            if f.cleaned_data
            and not f.cleaned_data.get("DELETE")
            and f.cleaned_data.get("product") is not None
        ]
        contract_prices_replace(contract=form.instance, prices=prices, by=request.user)
        # The admin's change message reads these; the service did the saving.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        return None

    def delete_model(self, request, obj):
        contract_delete(contract=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for contract in queryset.select_related("company"):
            contract_delete(contract=contract, by=request.user)


@admin.register(CompanyPricing)
class CompanyPricingAdmin(admin.ModelAdmin):
    list_display = ["company", "strategy"]
    list_filter = ["strategy"]
    autocomplete_fields = ["company"]

    def save_model(self, request, obj, form, change):
        company_pricing_set(company=obj.company, strategy=obj.strategy, by=request.user)


@admin.register(PriceAudit)
class PriceAuditAdmin(HistoryAdmin):
    list_display = ["at", "by", "action", "target", "field", "old_value", "new_value"]
    list_filter = ["action", "model", "price_list", "contract"]
    search_fields = ["target", "by__username"]
    list_select_related = ["by"]
    date_hierarchy = "at"
    list_per_page = 100
