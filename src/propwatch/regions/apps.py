from django.apps import AppConfig


class Config(AppConfig):
    name = "propwatch.regions"
    label = "regions"
