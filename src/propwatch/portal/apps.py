from django.apps import AppConfig


class Config(AppConfig):
    name = "propwatch.portal"
    label = "portal"
    verbose_name = "公众服务"
