"""axe-core in the browser tests: a page has no serious or critical accessibility violation.

`axe-playwright-python` bundles axe-core; the script is evaluated in the page, so nothing is
fetched from outside (the loopback guard stays clean).
"""

from __future__ import annotations

BLOCKING = frozenset({"serious", "critical"})


def violations(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    return [v for v in result.response["violations"] if v.get("impact") in BLOCKING]


def assert_accessible(page) -> None:
    found = violations(page)
    if found:
        lines = []
        for v in found:
            targets = [", ".join(n["target"]) for n in v["nodes"][:5]]
            lines.append(f"{v['impact']} {v['id']}: {v['help']} — {targets}")
        raise AssertionError(f"axe on {page.url}:\n" + "\n".join(lines))
