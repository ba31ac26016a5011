from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from wangge.core.maintenance import analyze
from wangge.demo.county import persona_table
from wangge.demo.steps import DEMO_STEPS


class Command(BaseCommand):
    help = "Load the demo county (idempotent: a second run adds nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="不打印演示账号")
        parser.add_argument("--only", help="只运行名称包含此字符串的步骤")

    def handle(self, *args, **options):
        for dotted in DEMO_STEPS:
            if options["only"] and options["only"] not in dotted:
                continue
            self.stdout.write(f"演示数据：{dotted.removeprefix('wangge.')}")
            import_string(dotted)(stdout=self.stdout)
        # Fresh planner statistics: the demo history was written in bulk a moment ago.
        if analyze():
            self.stdout.write("ANALYZE：已更新统计信息")
        if not options["quiet_logins"]:
            self.stdout.write("\n演示账号（http://127.0.0.1:8000/accounts/login/）：")
            self.stdout.write(persona_table())
