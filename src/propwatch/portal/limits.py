"""Per-address rate limits of the public site, shared by its pages and its API.

django-ratelimit counts in the `ratelimit` cache (settings.RATELIMIT_USE_CACHE). The page and the
API of one action count in one bucket, so an address cannot double its allowance by switching.
Rates are read from settings on each request (PUBLIC_COMPLAINT_RATE, PUBLIC_LOOKUP_RATE).
"""

from django.conf import settings
from django_ratelimit.core import is_ratelimited

from propwatch.audit.middleware import client_ip

SUBMIT = "portal.submit"  # filing a complaint (form POST, API POST)
LOOKUP = "portal.lookup"  # reading a complaint by tracking code (status page, done page, API GET)

_RATES = {SUBMIT: "PUBLIC_COMPLAINT_RATE", LOOKUP: "PUBLIC_LOOKUP_RATE"}

MESSAGE = "您的操作过于频繁，请稍后再试。"


def client_key(group: str, request) -> str:
    """The client's address as the audit log records it (the forwarded one behind a trusted proxy)."""
    return client_ip(request) or "unknown"


def _rate(group: str, request) -> str:
    return getattr(settings, _RATES[group])


def over_limit(request, group: str) -> bool:
    """Count this request against the client's allowance for `group`; True once it is used up."""
    return is_ratelimited(request, group=group, key=client_key, rate=_rate, increment=True)


def refusal_message() -> str:
    """The Chinese refusal, with the hotline for a resident who cannot wait."""
    return f"{MESSAGE}如情况紧急，请拨打投诉电话 {settings.PUBLIC_HOTLINE}。"
