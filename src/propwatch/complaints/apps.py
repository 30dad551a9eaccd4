from django.apps import AppConfig


class Config(AppConfig):
    name = "propwatch.complaints"
    label = "complaints"
    verbose_name = "投诉举报"
