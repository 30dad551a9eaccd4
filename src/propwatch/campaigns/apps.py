from django.apps import AppConfig


class Config(AppConfig):
    name = "propwatch.campaigns"
    label = "campaigns"
