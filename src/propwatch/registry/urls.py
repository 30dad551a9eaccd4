from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("companies/", views.CompanyList.as_view(), name="company_list"),
    path("companies/new/", views.company_edit, name="company_create"),
    path("companies/<int:pk>/", views.company_detail, name="company_detail"),
    path("companies/<int:pk>/edit/", views.company_edit, name="company_edit"),
    path("projects/", views.ProjectList.as_view(), name="project_list"),
    path("projects/new/", views.project_edit, name="project_create"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("projects/<int:pk>/disclosure/", views.project_disclosure, name="project_disclosure"),
    path("import/", views.import_view, name="import"),
    path("import/template/<str:kind>/", views.import_template, name="import_template"),
]
