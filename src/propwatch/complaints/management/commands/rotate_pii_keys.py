"""`propwatch rotate_pii_keys`: re-encrypt every complainant's name and phone with the newest key.

Put the new key first in PROPWATCH_PII_KEYS and keep the old ones after it, run this command,
then drop the old keys. Runs in batches, each in its own transaction, and can be re-run.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from propwatch.audit.models import AuditAction
from propwatch.audit.services import record
from propwatch.complaints import pii
from propwatch.complaints.models import Complaint

BATCH = 1000


class Command(BaseCommand):
    help = "用最新的密钥重新加密全部投诉人姓名和电话（更换 PROPWATCH_PII_KEYS 后运行）"

    def handle(self, *args, **options):
        done, last = 0, 0
        while True:
            with transaction.atomic():
                rows = list(Complaint.objects.select_for_update().filter(pk__gt=last).exclude(
                    name_cipher="", phone_cipher="").order_by("pk").only("pk", "name_cipher", "phone_cipher")[:BATCH])
                if not rows:
                    break
                for row in rows:
                    row.name_cipher, row.phone_cipher = pii.rotate(row.name_cipher), pii.rotate(row.phone_cipher)
                Complaint.objects.bulk_update(rows, ["name_cipher", "phone_cipher"])
            done += len(rows)
            last = rows[-1].pk
        record(actor=None, action=AuditAction.UPDATE, object_type="complaints.complaint", object_repr="投诉人信息密钥更换",
               note=f"已用新密钥重新加密 {done} 件投诉的投诉人信息")
        self.stdout.write(f"已重新加密 {done} 件投诉的投诉人信息。")
