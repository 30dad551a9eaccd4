"""The 12345 work-order import pages."""

urlpatterns: list = []
