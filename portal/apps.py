from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The project itself, at the top of the house: the demo that spans every app."""

    name = "portal"
    label = "portal"
