from django.core.management.base import BaseCommand

from propwatch.demo.generate import generate
from propwatch.regions.services import load_yichang


class Command(BaseCommand):
    help = "Add bulk companies and projects for scale tests, e.g. --projects 50000 --companies 5000."

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, default=50000)
        parser.add_argument("--companies", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, projects, companies, seed, **options):
        import time

        load_yichang()
        started = time.monotonic()
        made_c, made_p = generate(companies=companies, projects=projects, seed=seed)
        self.stdout.write(self.style.SUCCESS(
            f"已生成 {made_c} 家企业、{made_p} 个项目，用时 {time.monotonic() - started:.1f} 秒"))
