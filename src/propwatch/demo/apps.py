from django.apps import AppConfig


class Config(AppConfig):
    name = "propwatch.demo"
    label = "demo"
