from django.apps import AppConfig


class Config(AppConfig):
    name = "propwatch.accounts"
    label = "accounts"
