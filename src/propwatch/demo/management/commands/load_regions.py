from django.core.management.base import BaseCommand

from propwatch.regions.services import load_yichang


class Command(BaseCommand):
    help = "Load Yichang's territory (idempotent)."

    def handle(self, *args, **options):
        load_yichang()
        self.stdout.write(self.style.SUCCESS("已加载宜昌市行政区划"))
