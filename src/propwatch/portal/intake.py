"""Filing a resident's complaint from the public form or the public API.

Both come through `submit`, which derives the stored idempotency key and calls the complaints
service. The key the client sends is not stored as is: it is hashed together with the channel,
the project and the text. So a double click or a retried request (same key, same complaint)
gives one complaint, while two clients that happen to pick the same key for different
complaints (an API client sending "1") get two, and neither learns the other's tracking code.
"""

import hashlib
from collections.abc import Iterable

from propwatch.complaints import services
from propwatch.complaints.models import Complaint


def idempotency_key(*, source: str, client_key: str, project_id: int, text: str) -> str | None:
    """The key stored on the complaint (64 hex characters), or None without a client key."""
    client_key = (client_key or "").strip()
    if not client_key:
        return None
    material = "\x1f".join([source, client_key[:200], str(project_id), (text or "").strip()])
    return hashlib.sha256(material.encode()).hexdigest()


def submit(*, source: str, project, text: str, name: str = "", phone: str = "", confidential: bool = False,
           photos: Iterable = (), client_key: str = "") -> tuple[Complaint, bool]:
    """(complaint, created); ComplaintError with a Chinese message when the input is refused."""
    key = idempotency_key(source=source, client_key=client_key, project_id=project.pk, text=text)
    return services.submit_public_complaint(project=project, text=text, name=name, phone=phone,
                                            confidential=confidential, photos=photos, idempotency_key=key)
