"""Screenshots of the main pages, at phone (390×844) and desktop (1440×900) sizes.

    python -m tools.screenshots [--out docs/screenshots] [--only NAME ...] [--use-db]

Builds a throw-away SQLite database with the demo county (`demo_load`) and a few cases filed
through the real services (a report waiting to be claimed, one in hand, one answered and
waiting for the resident, two in the triage queue), serves the app on a free loopback port from
this process, signs in as the demo personas through the login form, and saves
`<page>-phone.png` and `<page>-desktop.png`. `--use-db` takes the configured database as it is
instead (the scenario cases are added once). Any request that would leave 127.0.0.1 stops the
run.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Shot:
    name: str
    path: str | Callable[[], str | None]  # a callable finds a case in the demo data
    persona: str | None  # a demo username, or None for a visitor
    prepare: Callable | None = None  # (page) -> None, after loading and before the picture
    full_page: bool = True
    sizes: tuple[str, ...] = ("phone", "desktop")


def _wait_map(page) -> None:
    page.wait_for_selector("#map[data-grid-count]")
    page.wait_for_timeout(300)


def _wait_cockpit(page) -> None:
    page.wait_for_selector("#trend-chart canvas")
    page.wait_for_timeout(500)


def _wrong_password(page) -> None:
    # Not a demo login: repeated runs must not lock a persona out.
    page.fill("#id_username", "zhangwei")
    page.fill("#id_password", "not-the-password")
    page.click("form button[type=submit]")
    page.wait_for_selector("#login-error")


def _click_grid(page) -> None:
    _wait_map(page)
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.55)
    page.wait_for_selector(".grid-card")


def _invalid_report(page) -> None:
    page.fill("#id_address", "府前路口公交站")
    page.click("[data-submit]")
    page.wait_for_selector(".field-error")


def _fill_report(page) -> None:
    page.wait_for_selector("#pinmap[data-ready]")
    page.fill("#id_description", "16号楼楼下有一地碎玻璃，小孩容易踩到")
    page.wait_for_selector("[data-accept-category]")
    page.click("[data-accept-category]")
    box = page.locator("#pinmap").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.5)
    page.fill("#id_address", "怡园小区16号楼")


def _pin_by_address(page) -> None:
    """The report map after typing an address: the pin, its grid and the nearest building."""
    page.wait_for_selector("#pinmap[data-ready][data-buildings-ready]")
    page.fill("#id_description", "16号楼楼下有一地碎玻璃，小孩容易踩到")
    page.fill("#id_address", "怡园小区16号楼")
    page.click("#locate-address")
    page.wait_for_selector("#pin-place:not([hidden])")
    page.wait_for_selector("#pinmap .map-label.building-label")
    page.wait_for_timeout(300)


def _case_path(persona: str, prefix: str, **filters) -> Callable[[], str | None]:
    """The newest case `persona` sees that matches `filters`, at `prefix` + its code."""

    def find() -> str | None:
        from wangge.accounts.models import User
        from wangge.cases.selectors import case_list_for_user

        user = User.objects.get(username=persona)
        case = case_list_for_user(user, **filters).first()
        return f"{prefix}{case.tracking_code}/" if case else None

    return find


def _reported_path(prefix: str) -> Callable[[], str | None]:
    def find() -> str | None:
        from wangge.accounts.models import User
        from wangge.cases.selectors import case_list_reported_by

        case = case_list_reported_by(User.objects.get(username="resident")).first()
        return f"{prefix}{case.tracking_code}/" if case else None

    return find


def _order_path(persona: str, **filters) -> Callable[[], str | None]:
    """The newest service order `persona` sees that matches `filters`."""

    def find() -> str | None:
        from wangge.accounts.models import User
        from wangge.community.selectors import order_list_for_user

        user = User.objects.get(username=persona)
        if persona == "resident":
            filters.setdefault("ordered_by_me", True)
        order = order_list_for_user(user, **filters).first()
        return f"/community/orders/{order.code}/" if order else None

    return find


def _first_path(model: str, url: str, **filters) -> Callable[[], str | None]:
    """`url` (with {pk}) of the newest demo row of `model` ("app.Model") matching `filters`."""

    def find() -> str | None:
        from django.apps import apps

        row = apps.get_model(model).objects.filter(**filters).order_by("-pk").first()
        return url.format(pk=row.pk) if row else None

    return find


def _first(selector: str, persona: str, prefix: str) -> Callable[[], str | None]:
    """The first row of a base data list `persona` sees, at `prefix` + its id."""

    def find() -> str | None:
        from wangge.accounts.models import User
        from wangge.people import selectors

        user = User.objects.get(username=persona)
        obj = getattr(selectors, selector)(user).first()
        return f"{prefix}{obj.pk}/" if obj else None

    return find


def _inspection_path() -> str | None:
    from wangge.people.models import Building

    b = Building.objects.filter(grid__code="350427001001001001").order_by("pk").first()
    return f"/points/inspection/?building={b.pk}" if b else None


def _due_visit_path() -> str | None:
    from wangge.accounts.models import User
    from wangge.people.selectors import care_due_list_for_user

    rec = care_due_list_for_user(User.objects.get(username="worker_a")).first()
    return f"/people/care/visit/{rec.resident_id}/" if rec else None


def _cared_resident_path() -> str | None:
    from wangge.accounts.models import User
    from wangge.people.selectors import care_due_list_for_user

    rec = care_due_list_for_user(User.objects.get(username="community")).first()
    return f"/people/residents/{rec.resident_id}/" if rec else None


def _household_path() -> str | None:
    from wangge.accounts.models import User
    from wangge.people.selectors import resident_list_for_user

    r = resident_list_for_user(User.objects.get(username="community")).first()
    return f"/people/households/{r.household_id}/" if r else None


def _import_job_path() -> str | None:
    from wangge.people.models import ImportJob

    job = ImportJob.objects.filter(created_by__username="community").order_by("-id").first()
    return f"/people/imports/{job.pk}/" if job else None


def _open_reveal(page) -> None:
    page.click("[data-open-dialog=reveal-dialog]")
    page.select_option("#id_purpose", "visit")
    page.fill("#id_reason", "看")
    page.click("[data-submit-reveal]")
    page.wait_for_selector("#reveal-body .field-error")


def _open_filters(page) -> None:
    page.click(".case-filters summary")
    page.select_option("#id_channel", "hotline")


def _pick_grid(page) -> None:
    page.click("details[data-action=accept] summary")
    page.fill("details[data-action=accept] [data-filter-select]", "路灯")
    page.fill("details[data-action=accept] [data-grid-search]", "怡园")
    page.wait_for_selector("#gp-accept [data-pick-grid]")


def _import_map(page) -> None:
    """The column mapping step: a file uploaded, its columns matched, the first rows previewed."""
    rows = [
        "姓名,身份证号,联系电话,社区,楼栋,单元,房号,户籍类型",
        "陈秀兰,350427194805120027,13805980001,怡园社区,16号楼,1,101,户籍",
        "赵明,350427198506150019,138059,怡园社区,99号楼,2,202,流动",
    ]
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "人口表.csv", "mimeType": "text/csv",
                "buffer": ("\n".join(rows) + "\n").encode()}],
    )  # fmt: skip
    page.click("[data-form=import-upload] button[type=submit]")
    page.wait_for_url("**/imports/map/**")


def _reply_templates(page) -> None:
    """Two templates written through the page's own form (once: --use-db keeps them)."""
    templates = [
        ("已派单", "您好，{反映人}：您反映的“{标题}”（查询码 {查询码}）已交{处置单位}办理，"
                   "我们会尽快处理。"),
        ("已办结", "您好，{反映人}：{地点}的问题已处理完毕，请在“查进度”里确认并评价。"),
    ]  # fmt: skip
    for title, body in templates:
        if page.locator("[data-table=reply-templates]").get_by_text(title).count():
            continue
        page.fill("#id_title", title)
        page.fill("#id_body", body)
        page.click("[data-form=reply-template] button[type=submit]")
        page.wait_for_selector(f"[data-table=reply-templates] >> text={title}")


def _resolve_address(page) -> None:
    page.wait_for_selector("#pinmap[data-ready]")
    page.fill("#id_description", "怡园社区16号楼门口路灯不亮，晚上很黑")
    page.fill("#address_q", "怡园社区16号楼")
    page.wait_for_selector("[data-address-match]")
    page.wait_for_timeout(300)


SHOTS: list[Shot] = [
    Shot("home-visitor", "/", None),
    Shot("login", "/accounts/login/", None),
    Shot("login-error", "/accounts/login/", None, _wrong_password),
    Shot("home-resident", "/", "resident"),
    Shot("home-worker", "/", "worker_a"),
    Shot("home-operator", "/", "operator"),
    Shot("home-leader", "/", "leader"),
    Shot("map-operator", "/console/map/", "operator", _wait_map, full_page=False),
    Shot("map-community", "/console/map/", "community", _click_grid, full_page=False),
    Shot("map-worker", "/console/map/", "worker_a", _click_grid, full_page=False),
    Shot("report", "/report/", None, _fill_report),
    Shot("report-invalid", "/report/", None, _invalid_report),
    Shot("report-map", "/report/", None, _pin_by_address),
    Shot("track", "/track/", None),
    Shot("track-case", _reported_path("/track/"), "resident"),
    Shot("my-cases", "/my/", "resident"),
    Shot("worker-queue", "/grid-work/", "worker_a"),
    Shot("patrol", "/grid-work/patrol/", "worker_a"),
    Shot("case-worker", _case_path("worker_a", "/cases/", claimable=True), "worker_a"),
    Shot("console", "/console/", "operator"),
    Shot("console-supervision", "/console/?tab=supervision", "operator"),
    Shot("case-console", _case_path("operator", "/cases/", state=["submitted"]), "operator"),
    Shot("phone-entry", "/console/phone/", "operator"),
    Shot("cockpit", "/cockpit/", "leader", _wait_cockpit, sizes=("desktop",)),
    # Community life II: council day, notices, emergency fund (wangge.council/notices/funds).
    Shot("council-resident", "/council/?c=350427001001", "resident"),
    Shot("council-desk", "/council/desk/", "community"),
    Shot(
        "council-meeting",
        _first_path(
            "council.Meeting",
            "/council/meetings/{pk}/",
            community__code="350427001001",
            state="held",
        ),
        "community",
    ),
    Shot(
        "council-minutes",
        _first_path(
            "council.Meeting",
            "/council/meetings/{pk}/minutes/",
            community__code="350427001001",
            state="archived",
        ),
        "community",
        sizes=("desktop",),
    ),
    Shot("council-decisions", "/council/decisions/", "worker_a"),
    Shot("notices", "/notices/", "community"),
    Shot("notice-editor", "/notices/new/", "community", sizes=("desktop",)),
    Shot(
        "notice-reads",
        _first_path(
            "notices.Notice", "/notices/{pk}/", author__username="street", state="published"
        ),
        "street",
    ),
    Shot("notices-resident", "/notices/", "resident", sizes=("phone",)),
    Shot("funds", "/funds/", "community"),
    Shot(
        "fund-request-above-limit",
        _first_path(
            "funds.SpendRequest",
            "/funds/requests/{pk}/",
            state="submitted",
            needs_above=True,
            account__unit__code="350427001001",
        ),
        "street",
        sizes=("desktop",),
    ),
    # The staff workspace: base data (community staff), the field kit (grid worker), the
    # console's filters and pickers (operator).
    Shot("people-residents", "/people/residents/", "community"),
    Shot("people-resident", _cared_resident_path, "community"),
    Shot("people-reveal", _cared_resident_path, "community", _open_reveal, full_page=False),
    Shot("people-buildings", "/people/buildings/", "community"),
    Shot("people-building", _first("building_list_for_user", "community", "/people/buildings/"),
         "community"),
    Shot("people-household", _household_path, "community"),
    Shot("people-organisations", "/people/organisations/", "community"),
    Shot("people-organisation-new", "/people/organisations/new/", "community"),
    Shot("people-assets", "/people/assets/", "community"),
    Shot("people-asset", _first("asset_list_for_user", "community", "/people/assets/"),
         "community"),
    Shot("people-places", "/people/places/", "community"),
    Shot("people-place-new", "/people/places/new/", "community"),
    Shot("people-imports", "/people/imports/", "community"),
    Shot("people-import-job", _import_job_path, "community"),
    Shot("people-import-map", "/people/imports/", "community", _import_map),
    Shot("hotline-import", "/people/imports/hotline/", "operator"),
    Shot("care-due", "/people/care/", "worker_a"),
    Shot("care-visit", _due_visit_path, "worker_a"),
    Shot("journal", "/people/journal/", "worker_a"),
    Shot("worker-history", "/grid-work/history/", "worker_a"),
    Shot("console-filters", "/console/?tab=all", "operator", _open_filters),
    Shot("phone-entry-address", "/console/phone/", "operator", _resolve_address),
    Shot("case-dispatch", _case_path("operator", "/cases/", state=["submitted"]), "operator",
         _pick_grid),
    Shot("reply-templates", "/console/replies/", "operator", _reply_templates),
    Shot("follow-ups", "/console/follow-ups/", "operator"),
    Shot("exports", "/exports/", "operator"),
    # Community life (wangge.community, wangge.points).
    Shot("community-services", "/community/services/", "resident", sizes=("phone",)),
    Shot(
        "community-order",
        _order_path("resident", state=["closed"]),
        "resident",
        sizes=("phone",),
    ),
    Shot("community-serve", "/community/serve/", "partymember", sizes=("phone",)),
    Shot("community-serve-volunteer", "/community/serve/", "volunteer", sizes=("phone",)),
    Shot(
        "community-complete",
        _order_path("partymember", takeable=True),
        "partymember",
        sizes=("phone",),
    ),
    Shot("points-mine", "/points/", "resident", sizes=("phone",)),
    Shot("community-desk", "/community/desk/", "community", sizes=("desktop",)),
    Shot("points-inspection", _inspection_path, "community", sizes=("desktop",)),
    Shot("points-reports", "/points/reports/", "community", sizes=("desktop",)),
    Shot("points-store", "/points/store/", "storekeeper", sizes=("desktop",)),
]  # fmt: skip


def _jpeg(colour: tuple[int, int, int]) -> bytes:
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGB", (960, 720), colour)
    draw = ImageDraw.Draw(img)
    for i in range(0, 960, 60):
        draw.line([(i, 0), (i + 300, 720)], fill=(255, 255, 255), width=6)
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def seed_scenario() -> None:
    """A few cases in the demo county, filed and moved through the real services (once)."""
    from shapely.geometry import shape

    from wangge.accounts.models import User
    from wangge.attachments.services import attachment_store
    from wangge.cases.models import Case
    from wangge.cases.services import case_submit, case_transition
    from wangge.grids.models import Grid

    if Case.objects.filter(channel="h5", idempotency_key="screens-1").exists():
        return  # already there (--use-db, second run)
    resident = User.objects.get(username="resident")
    worker = User.objects.get(username="worker_a")
    p = shape(Grid.objects.get(code="350427001001001001").geometry).representative_point()
    lat, lng = p.y, p.x

    def photo(actor, colour):
        return attachment_store(actor=actor, upload=_jpeg(colour), filename="photo.jpg")

    keys = iter(range(1, 100))

    def report(text, *, dlat=0.0, dlng=0.0, category="E0104", actor=resident, located=True, **kw):
        return case_submit(
            actor=actor, channel="h5", description=text, idempotency_key=f"screens-{next(keys)}",
            lat=lat + dlat if located else None, lng=lng + dlng if located else None,
            category_code=category, **kw,
        ).case  # fmt: skip

    report("河边步道的木板断了一块，晚上看不清容易绊倒", actor=None, anonymous=True,
           category=None, located=False)  # fmt: skip
    report("自行车棚顶棚漏雨，电动车都淋湿了", category=None, dlng=0.0004,
           address="怡园小区8号楼车棚")  # fmt: skip
    report("小区东门路面一大片油污，老人走路容易滑倒", dlat=0.0002, address="怡园小区东门",
           attachments=[photo(resident, (40, 50, 80))])  # fmt: skip
    in_hand = report("楼上装修垃圾堆在绿化带上好几天了", dlng=-0.0003, address="怡园小区3号楼",
                     category="C0403")  # fmt: skip
    case_transition(case=in_hand, actor=worker, action="claim")
    answered = report("16号楼楼下有一地碎玻璃，小孩容易踩到", address="怡园小区16号楼",
                      attachments=[photo(resident, (90, 140, 200))])  # fmt: skip
    case_transition(case=answered, actor=worker, action="claim")
    case_transition(
        case=answered, actor=worker, action="resolve", reason="已清扫干净，并提醒物业加强巡查",
        attachments=[photo(worker, (120, 170, 110))],
    )  # fmt: skip


def seed_workspace() -> None:
    """An import by the community staff with a few refused rows, for the import page (once)."""
    import io

    from wangge.accounts.models import User
    from wangge.people.jobs import import_job_create
    from wangge.people.models import ImportJob

    user = User.objects.get(username="community")
    if ImportJob.objects.filter(created_by=user).exists():
        return
    rows = [
        "姓名,身份证号,联系电话,社区,楼栋,单元,房号,户籍类型,人员类别",
        "陈秀兰,350427194805120023,13805980001,怡园社区,16号楼,1,101,户籍,独居老人",
        "林志强,350427196311050010,13805980002,怡园社区,16号楼,1,102,常住,",
        "王丽,350427199002300021,13805980003,怡园社区,16号楼,2,201,户籍,",
        "赵明,350427198506150019,138059,怡园社区,99号楼,2,202,流动,",
    ]
    data = ("\n".join(rows) + "\n").encode()
    import_job_create(
        actor=user,
        kind="residents",
        data=io.BytesIO(data),
        size=len(data),
        filename="怡园社区16号楼人口表.csv",
    )


def seed_field_and_console() -> None:
    """民情日志 entries of the grid worker and an export of the operator (once), so those pages
    show rows rather than their empty state."""
    import datetime as dt

    from django.utils import timezone

    from wangge.accounts.models import User
    from wangge.exports.models import ExportJob
    from wangge.exports.services import export_job_create, export_job_run
    from wangge.grids.models import Grid
    from wangge.people.models import JournalEntry
    from wangge.people.services import journal_add

    worker = User.objects.get(username="worker_a")
    if not JournalEntry.objects.filter(author=worker).exists():
        grid = Grid.objects.get(code="350427001001001001")
        today = timezone.localdate()
        entries = [
            ("patrol", 2, "巡查3号楼至8号楼，8号楼车棚顶棚漏雨，已拍照上报。"),
            ("visit", 1, "走访16号楼独居老人陈秀兰，身体尚好，反映楼道灯不亮，已报修。"),
            ("mediation", 0, "调解5号楼楼上楼下漏水纠纷，双方同意请物业检测后分担维修费。"),
        ]
        for kind, days_ago, text in entries:
            journal_add(actor=worker, grid=grid, content=text, kind=kind,
                        day=today - dt.timedelta(days=days_ago))  # fmt: skip
    operator = User.objects.get(username="operator")
    if not ExportJob.objects.filter(created_by=operator).exists():
        export_job_create(actor=operator, kind="cases.console", query="tab=all&channel=hotline")
    # No task worker runs beside the screenshots: a queued export is run here, as the worker would.
    for job in ExportJob.objects.filter(created_by=operator, status=ExportJob.Status.QUEUED):
        export_job_run(job_id=job.pk)


def prepare_database(use_db: bool) -> None:
    import tempfile

    if not use_db:
        os.environ["WANGGE_DATA_DIR"] = tempfile.mkdtemp(prefix="wangge-screens-")
        os.environ["DATABASE_URL"] = ""
    import django

    django.setup()
    if not use_db:
        from django.core.management import call_command

        print("Building a throw-away demo database (migrate + demo_load) …")
        call_command("migrate", verbosity=0, interactive=False)
        call_command("demo_load", stdout=open(os.devnull, "w"))  # noqa: SIM115
    seed_scenario()
    seed_workspace()
    seed_field_and_console()


class LiveServer:
    """The project's WSGI application on a free 127.0.0.1 port, in a background thread."""

    def __init__(self) -> None:
        from django.core.servers.basehttp import (
            ThreadedWSGIServer,
            WSGIRequestHandler,
            get_internal_wsgi_application,
        )

        class QuietHandler(WSGIRequestHandler):
            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
        self.httpd.set_app(get_internal_wsgi_application())
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def compact(target: Path) -> None:
    """The pictures are committed: 256 colours (flat UI colours and anti-aliased text survive
    it) and zlib's best compression take a page to about a third of Chromium's PNG."""
    from PIL import Image

    with Image.open(target) as img:
        small = img.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE)
    small.save(target, optimize=True)


def take(out: Path, only: set[str] | None = None) -> list[Path]:
    from playwright.sync_api import sync_playwright

    from tools.browser import DESKTOP, PHONE, launch, log_in, new_context
    from wangge.demo.county import DEMO_PASSWORD

    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    shots = [s for s in SHOTS if not only or s.name in only]
    with LiveServer() as server, sync_playwright() as pw:
        browser = launch(pw)
        for size_name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            contexts: dict[str | None, tuple] = {}
            for shot in shots:
                if size_name not in shot.sizes:
                    continue
                if shot.persona not in contexts:
                    ctx, guard = new_context(browser, viewport=viewport)
                    ctx.set_default_timeout(60_000)  # the demo county's pages on a busy machine
                    if shot.persona:
                        log_in(ctx.new_page(), server.url, shot.persona, DEMO_PASSWORD)
                    contexts[shot.persona] = (ctx, guard)
                ctx, guard = contexts[shot.persona]
                path = shot.path() if callable(shot.path) else shot.path
                if path is None:
                    print(f"  {shot.name}: no such case in the demo data, skipped")
                    continue
                page = ctx.new_page()
                page.goto(server.url + path)
                page.wait_for_load_state("networkidle")
                if shot.prepare:
                    shot.prepare(page)
                if shot.full_page:
                    # A full-page picture is taller than the phone: let the tab bar sit at the
                    # end of the page instead of floating over the middle of the picture.
                    page.add_style_tag(content=".tabbar { position: static; }")
                target = out / f"{shot.name}-{size_name}.png"
                page.screenshot(path=str(target), full_page=shot.full_page)
                compact(target)
                page.close()
                guard.assert_clean()
                saved.append(target)
                print(f"  {target}")
            for ctx, _guard in contexts.values():
                ctx.close()
        browser.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--only", nargs="*", help="page names, e.g. login map-operator")
    parser.add_argument(
        "--use-db", action="store_true", help="use the configured database, not a fresh demo"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls come from the
    # server threads, but the async-safety check looks at the main thread's loop too.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    prepare_database(args.use_db)
    import logging

    logging.getLogger("axes").setLevel(logging.WARNING)  # one line per sign-in is noise here
    saved = take(Path(args.out), set(args.only) if args.only else None)
    print(f"{len(saved)} screenshots saved in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
