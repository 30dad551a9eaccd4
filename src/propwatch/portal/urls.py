"""Public pages (no login): home, complaint form, status lookup."""

from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("complaint/", views.complaint, name="complaint"),
    path("complaint/done/<str:code>/", views.complaint_done, name="complaint_done"),
    path("projects/", views.project_search, name="project_search"),
    path("status/", views.status_lookup, name="status_lookup"),
    path("status/<str:code>/", views.status, name="status"),
]
