"""axe-core in the browser tests: no page a test visits has a serious or critical violation.

`axe-playwright-python` bundles axe-core; the script is evaluated in the page, so nothing is
fetched from outside (the loopback guard stays clean).

`PageAudit` is installed on every browser context by tests/browser.py: each page the context
loads is checked once per URL when its `load` event fires, and each open page once more, in
its final state, when the test ends. A test therefore needs no call of its own; it may still
call `assert_accessible(page)` to check a state in between (a dialog opened, an error shown).
"""

from __future__ import annotations

from urllib.parse import urldefrag

BLOCKING = frozenset({"serious", "critical"})
# What a page that navigated away while axe was running reports; the next page's own load
# event checks that one.
GONE = ("Execution context was destroyed", "Target page, context or browser has been closed")


# One run at a time per page: the `load` handler and a test's own check can overlap (Playwright's
# sync API runs handlers while the test waits), and axe-core refuses a second concurrent run.
RUN_QUEUED = """() => {
    const run = (window.__axeChain || Promise.resolve()).then(
        () => axe.run(document, {resultTypes: ["violations"]}));
    window.__axeChain = run.catch(() => null);
    return run;
}"""


def violations(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(Axe().axe_script)
    result = page.evaluate(RUN_QUEUED)
    return [v for v in result["violations"] if v.get("impact") in BLOCKING]


def describe(url: str, found: list[dict]) -> str:
    lines = []
    for v in found:
        targets = [", ".join(n["target"]) for n in v["nodes"][:5]]
        lines.append(f"{v['impact']} {v['id']}: {v['help']} — {targets}")
    return f"axe on {url}:\n" + "\n".join(lines)


def assert_accessible(page) -> None:
    found = violations(page)
    if found:
        raise AssertionError(describe(page.url, found))


class PageAudit:
    """Runs axe on every page of a browser context and remembers what it found.

    The check runs inside Playwright's `load` handler, i.e. while the test waits in its next
    Playwright call; a failure is kept, not raised there (an exception in an event handler
    would surface far from its cause), and `assert_clean` raises them all at teardown."""

    def __init__(self) -> None:
        self.checked: set[str] = set()
        self.failures: list[str] = []

    def watch(self, context) -> PageAudit:
        for page in context.pages:
            self._attach(page)
        context.on("page", self._attach)
        return self

    def _attach(self, page) -> None:
        page.on("load", self._loaded)

    def _loaded(self, page) -> None:
        url = urldefrag(page.url).url
        if url.startswith("http") and url not in self.checked:
            self.checked.add(url)
            try:
                self.check(page)
            except Exception as exc:
                self.failures.append(f"axe could not run on {url}: {exc}")

    def check(self, page) -> None:
        try:
            found = violations(page)
        except Exception as exc:
            if any(text in str(exc) for text in GONE):
                return
            raise
        if found:
            message = describe(page.url, found)
            if message not in self.failures:
                self.failures.append(message)

    def check_final(self, context) -> None:
        """Each page as the test left it: dialogs open, errors shown, rows added by script."""
        for page in context.pages:
            if page.url.startswith("http") and not page.is_closed():
                try:
                    self.check(page)
                except Exception as exc:
                    self.failures.append(f"axe could not run on {page.url}: {exc}")

    def assert_clean(self) -> None:
        assert not self.failures, "\n\n".join(self.failures)
