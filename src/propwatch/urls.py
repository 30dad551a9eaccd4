from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from propwatch.web import views as web_views

urlpatterns = [
    path("", include("propwatch.web.urls")),
    path("accounts/", include("propwatch.accounts.urls")),
    path("registry/", include("propwatch.registry.urls")),
    path("ledger/", include("propwatch.ledger.urls")),
    path("complaints/", include("propwatch.complaints.urls")),
    path("public/", include("propwatch.portal.urls")),
    path("audit/", include("propwatch.audit.urls")),
    path("campaigns/", include("propwatch.campaigns.urls")),
    path("notifications/", include("propwatch.notifications.urls")),
    path("api/v1/", include("propwatch.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

handler400 = web_views.error_400
handler403 = web_views.error_403
handler404 = web_views.error_404
handler500 = web_views.error_500
