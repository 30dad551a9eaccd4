"""Public pages (no login): home, complaint form, status lookup."""

from django.urls import path  # noqa: F401

app_name = "portal"
urlpatterns: list = []
