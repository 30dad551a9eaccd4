from django.core.management.base import BaseCommand

from propwatch.demo.loader import PERSONAS, load_demo


class Command(BaseCommand):
    help = "Load the Yichang demo (territory, departments, registry, personas). Safe to run again."

    def handle(self, *args, **options):
        result = load_demo()
        status = "已加载宜昌演示数据" if result["created"] else "演示数据已存在，未重复加载"
        self.stdout.write(self.style.SUCCESS(
            f"{status}：{result['companies']} 家物业企业，{result['projects']} 个物业项目。"))
        source = "（随机生成，保存在 var/demo_password）" if result["generated"] else "（来自 PROPWATCH_DEMO_PASSWORD）"
        self.stdout.write("")
        self.stdout.write("演示账号 —— 所有账号的密码：" + result["password"] + " " + source)
        width = max(len(p.username) for p in PERSONAS)
        for p in PERSONAS:
            self.stdout.write(f"  {p.username.ljust(width)}  {p.display_name}  {p.summary}")
        self.stdout.write("")
