from django.contrib import admin


class HistoryAdmin(admin.ModelAdmin):
    """Rows the services write as history: operators read them here, never change them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class HistoryInline(admin.TabularInline):
    """The read-only rows of a history object (its lines, its events): shown, never edited.
    Subclasses name ``fields``; every one of them is read-only."""

    extra = 0
    can_delete = False
    # The foreign keys a row shows, its title (``__str__``) included: read with the rows.
    related: tuple[str, ...] = ()

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        return rows.select_related(*self.related) if self.related else rows

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
