
from . import import_views, views

app_name = "complaints"
urlpatterns = [
    *import_views.urlpatterns,
    *views.urlpatterns,
]
