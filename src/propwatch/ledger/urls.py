from django.urls import path

from . import views

app_name = "ledger"
urlpatterns = [
    path("problems/", views.ProblemList.as_view(), name="problem_list"),
    path("problems/assign/", views.bulk_assign, name="bulk_assign"),
    path("problems/new/", views.problem_create, name="problem_create"),
    path("problems/new/projects/", views.project_options, name="project_options"),
    path("problems/<int:pk>/", views.problem_detail, name="problem_detail"),
    path("problems/<int:pk>/<slug:action>/", views.problem_action, name="problem_action"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence_file"),
]
