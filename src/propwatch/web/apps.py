from django.apps import AppConfig


class Config(AppConfig):
    name = "propwatch.web"
    label = "web"
