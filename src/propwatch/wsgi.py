import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propwatch.settings")
application = get_wsgi_application()

# Load the complaint classifier now rather than inside a resident's first request (it is cached
# under var/classifier after the first training, so this takes well under a second).
from propwatch.complaints.classifier import classify  # noqa: E402

classify("物业")
