"""Item 4: a grid named `<img src=x onerror=…>` runs nothing for visitors of /report/ (tooltips
get text, never HTML), and every HTML page carries a Content-Security-Policy without inline
script."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from wangge.grids.models import Grid, GridLevel

PAYLOAD = '<img src=x onerror="window.__pwned=1">'


@pytest.mark.browser
def test_grid_name_with_markup_is_shown_as_text_on_the_report_map(phone, county, categories):
    Grid.objects.filter(level=GridLevel.MICRO).update(name=PAYLOAD)
    violations: list[str] = []
    phone.page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    response = phone.goto("/report/")
    csp = response.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    page = phone.page
    page.wait_for_selector("#pinmap[data-ready]")
    micro = page.locator('#pinmap path.leaflet-interactive[fill-opacity="0.08"]').first
    box = micro.bounding_box()
    micro.dispatch_event(
        "mouseover",
        {"clientX": box["x"] + box["width"] / 2, "clientY": box["y"] + box["height"] / 2},
    )
    tooltip = page.locator(".leaflet-tooltip").first
    tooltip.wait_for(timeout=5_000)
    assert tooltip.inner_text() == PAYLOAD
    assert tooltip.locator("img").count() == 0
    page.wait_for_timeout(200)
    assert page.evaluate("window.__pwned") is None
    # And were markup to slip in anywhere else, the policy refuses its inline handler.
    page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', "
        '\'<img src="data:,x" alt="" onerror="window.__pwned=2">\')'
    )
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    assert violations, "the browser reported no blocked inline handler"


PAGES = [
    "/",
    "/report/",
    "/track/",
    "/accounts/login/",
    "/console/",
    "/console/phone/",
    "/console/map/",
    "/cockpit/",
    "/api/docs/",
    "/admin/",
]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


@pytest.mark.parametrize("path", PAGES)
def test_every_html_page_has_a_policy_and_no_inline_script(path, operator, admin_user, categories):
    client = Client()
    client.force_login(admin_user if path.startswith("/admin/") else operator)
    response = client.get(path, follow=True)
    assert response.status_code == 200, path
    assert response["Content-Type"].startswith("text/html")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html)
    assert not INLINE_HANDLER.search(html), INLINE_HANDLER.search(html)
    assert "javascript:" not in html


def test_no_template_carries_inline_script():
    """The policy would refuse it in the browser: every template keeps its script in files."""
    root = Path(__file__).resolve().parents[2] / "wangge"
    offenders = []
    for path in root.rglob("templates/**/*.html"):
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER, re.compile(r"javascript:", re.I)):
            match = pattern.search(text)
            if match:
                offenders.append(f"{path.relative_to(root)}: {match.group(0)[:60]}")
    assert offenders == []
