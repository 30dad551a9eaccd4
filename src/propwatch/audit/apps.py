from django.apps import AppConfig


class Config(AppConfig):
    name = "propwatch.audit"
    label = "audit"

    def ready(self):
        from . import signals  # noqa: F401
