from django.core.management.base import BaseCommand

from wangge.stats.rollup import stats_rollup


class Command(BaseCommand):
    help = "Bring the case summary tables up to date (--full rebuilds every day)."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="recompute every day")

    def handle(self, *args, full: bool = False, **options):
        r = stats_rollup(full=full)
        kind = "full" if r.full else "incremental"
        self.stdout.write(
            f"stats roll-up ({kind}): {r.changes} changes, {r.keys} keys, {r.days} days, "
            f"{r.cases} cases, {r.rows} rows"
        )
