"""/api/v1/public/: the public complaint API (no login, rate-limited)."""

from django.urls import path

from . import api

urlpatterns = [
    path("complaints/", api.PublicComplaintCreateView.as_view(), name="api-public-complaint-create"),
    path("complaints/<str:tracking_code>/", api.PublicComplaintStatusView.as_view(),
         name="api-public-complaint-status"),
]
