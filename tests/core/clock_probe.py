"""Run only by test_clock.py in a child pytest: it reports the moment each test starts at."""

from django.utils import timezone


def test_print_now():
    print(f"NOW={timezone.now().isoformat()}")
