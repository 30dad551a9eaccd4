"""/api/v1/: one router for every app's viewsets, and the token endpoint."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from propwatch.accounts.api import DepartmentViewSet, ObtainTokenView
from propwatch.complaints.api import ComplaintViewSet
from propwatch.ledger.api import ProblemViewSet
from propwatch.regions.api import RegionViewSet
from propwatch.registry.api import CompanyViewSet, ProjectViewSet

router = DefaultRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("departments", DepartmentViewSet, basename="department")
router.register("companies", CompanyViewSet, basename="company")
router.register("projects", ProjectViewSet, basename="project")
router.register("problems", ProblemViewSet, basename="problem")
router.register("complaints", ComplaintViewSet, basename="complaint")

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("public/", include("propwatch.portal.api_urls")),
    *router.urls,
]
