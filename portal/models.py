"""The project's own rows: the runs of the periodic jobs (see portal/scheduling.py)."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class ScheduledRun(models.Model):
    """One run of a periodic job for one time slot.

    Inserting the row claims the slot: the unique (job, slot) pair lets one scheduler run it,
    however many of them look at the clock at the same moment.
    """

    job = models.CharField(max_length=100)
    slot = models.DateTimeField(help_text="The start of the period this run is for.")
    claimed_by = models.CharField(
        max_length=200, blank=True, help_text="The scheduler that ran it: host and process."
    )
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    handled = models.PositiveIntegerField(
        null=True, blank=True, help_text="What the job did: orders reminded, and so on."
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-slot", "job"]
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="one_run_per_job_and_slot"),
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True) | Q(finished_at__gte=F("started_at")),
                name="scheduled_run_finishes_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.job} @ {timezone.localtime(self.slot):%Y-%m-%d %H:%M}"

    @property
    def failed(self) -> bool:
        return bool(self.error)
