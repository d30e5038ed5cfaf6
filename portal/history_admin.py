from django.contrib import admin


class HistoryAdmin(admin.ModelAdmin):
    """Rows the services write as history: operators read them here, never change them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
