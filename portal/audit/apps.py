from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The audit trail: database-level history of what matters, and the page that reads it."""

    name = "portal.audit"
    label = "audit"

    def ready(self):
        from portal.audit import context

        context.connect_task_signals()
