from django.core.management.base import BaseCommand
from django.utils import timezone

from wangge.workcal.services import calendar_seed_official, calendar_seed_provisional


class Command(BaseCommand):
    help = (
        "Seed the holiday calendar: official entries from the chinesecalendar package for every "
        "year it knows, and provisional entries for the next years nobody has entered yet. "
        "Idempotent; existing entries are never changed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--provisional-years",
            type=int,
            default=2,
            help="How many years after the current one get provisional entries (default 2).",
        )

    def handle(self, *, provisional_years: int, **options):
        official = calendar_seed_official()
        this_year = timezone.localdate().year
        provisional = calendar_seed_provisional(
            years=set(range(this_year, this_year + provisional_years + 1))
        )
        self.stdout.write(
            f"official: {official.created} new entries ({official.years[0]}–{official.years[-1]}); "
            f"provisional: {provisional.created} new entries for {list(provisional.years)}"
        )
