"""The operator admin's view of the trail: pghistory's events admin, read-only as it comes,
with who made each change and from where.

It lists the events of one model (the "Events" button of a tracked model's list) or of one
object (the button of its change form). All events at once would compute every event's
difference before showing the first page; the portal's audit page (``/audit/``) pages the
whole trail.
"""

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from pghistory.admin import EventsAdmin
from pghistory.models import Events

from portal.audit.selectors import actor_of, source_of


class _OneModelOrObject(ChangeList):
    def get_queryset(self, request, exclude_parameters=None):
        events = super().get_queryset(request, exclude_parameters)
        if not self.has_active_filters:
            return self.root_queryset.model.no_objects.all()
        return events


class AuditEventsAdmin(EventsAdmin):
    def get_changelist(self, request, **kwargs):
        return _OneModelOrObject

    def changelist_view(self, request, extra_context=None):
        if not {"obj", "model", "event_model"} & set(request.GET):
            extra_context = {
                **(extra_context or {}),
                "subtitle": "Open them from a tracked model or object; "
                "the audit page lists them all.",
            }
        return super().changelist_view(request, extra_context)

    def get_list_display(self, request):
        return [*super().get_list_display(request), "who", "where"]

    @admin.display(description="who")
    def who(self, event):
        return actor_of(event.pgh_context)

    @admin.display(description="where")
    def where(self, event):
        return source_of(event.pgh_context)


# pghistory.admin (above the admin in INSTALLED_APPS) registered the plain one already.
if admin.site.is_registered(Events):
    admin.site.unregister(Events)
admin.site.register(Events, AuditEventsAdmin)
