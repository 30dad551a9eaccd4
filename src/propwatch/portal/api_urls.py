"""/api/v1/public/: the public complaint API (no login, rate-limited)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
