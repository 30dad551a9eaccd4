from django.apps import AppConfig


class Config(AppConfig):
    name = "propwatch.notifications"
    label = "notifications"
