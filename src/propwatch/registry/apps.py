from django.apps import AppConfig


class Config(AppConfig):
    name = "propwatch.registry"
    label = "registry"
