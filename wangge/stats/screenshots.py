"""Screenshot of the leader cockpit, the way `wangge.web.screenshots` takes the other pages.

    .venv/bin/python -m wangge.stats.screenshots [--out docs/screenshots] [--persona leader]

Serves the app on a free loopback port from this process against the configured database (load
the demo first, and roll the statistics up), signs in through the login form and saves
`cockpit-desktop.png` (1440×900, the whole page).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def take(out: Path, persona: str = "leader", query: str = "") -> Path:
    from playwright.sync_api import sync_playwright

    from wangge.demo.county import DEMO_PASSWORD
    from wangge.web.browser import DESKTOP, launch, log_in, new_context
    from wangge.web.screenshots import _Server

    out.mkdir(parents=True, exist_ok=True)
    target = out / "cockpit-desktop.png"
    with _Server() as server, sync_playwright() as pw:
        browser = launch(pw)
        ctx, guard = new_context(browser, viewport=DESKTOP)
        log_in(ctx.new_page(), server.url, persona, DEMO_PASSWORD)
        page = ctx.new_page()
        page.goto(f"{server.url}/cockpit/{'?' + query if query else ''}")
        page.wait_for_load_state("networkidle")
        page.wait_for_selector("#trend-chart canvas")
        page.wait_for_timeout(500)
        page.screenshot(path=str(target), full_page=True)
        guard.assert_clean()
        ctx.close()
        browser.close()
    print(f"  {target}")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--persona", default="leader")
    parser.add_argument("--query", default="", help="e.g. start=2026-01-01&end=2026-06-30")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    import django

    django.setup()
    take(Path(args.out), args.persona, args.query)
    return 0


if __name__ == "__main__":
    sys.exit(main())
