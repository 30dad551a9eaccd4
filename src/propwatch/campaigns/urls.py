from django.urls import path

from . import views

app_name = "campaigns"
urlpatterns = [
    path("calendar/", views.calendar_overview, name="calendar"),
    path("calendar/<int:year>/", views.calendar_year, name="calendar_year"),
    path("calendar/<int:year>/complete/", views.calendar_year_complete, name="calendar_year_complete"),
    path("calendar/<int:year>/import/", views.calendar_import, name="calendar_import"),
    path("calendar/<int:year>/days/new/", views.calendar_day_edit, name="calendar_day_create"),
    path("calendar/days/<int:pk>/edit/", views.calendar_day_edit, name="calendar_day_edit"),
    path("calendar/days/<int:pk>/delete/", views.calendar_day_delete, name="calendar_day_delete"),
    path("time-limits/", views.time_limits, name="time_limits"),
    path("time-limits/<int:focus>/", views.time_limit_edit, name="time_limit_edit"),
]
