from django.apps import AppConfig


class Config(AppConfig):
    name = "propwatch.ledger"
    label = "ledger"
