from django.contrib import admin

from portal.history_admin import HistoryAdmin
from portal.models import ScheduledRun


@admin.register(ScheduledRun)
class ScheduledRunAdmin(HistoryAdmin):
    """The periodic jobs' runs, written by the schedulers: when each ran, what it did, what
    failed."""

    list_display = ["job", "slot", "started_at", "finished_at", "handled", "failed", "claimed_by"]
    list_filter = ["job"]
    date_hierarchy = "slot"

    @admin.display(boolean=True)
    def failed(self, run: ScheduledRun) -> bool:
        return run.failed
