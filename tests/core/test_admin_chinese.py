"""The admin speaks Chinese: every registered model's changelist and the index, walked page by
page — titles, section and model names, column headings and filter titles carry no English
model or field names (only the acronyms and product names below)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

# Acronyms and names that are the same in Chinese text.
ALLOWED = {
    "ID", "IP", "API", "URL", "HTTP", "GET", "POST", "Accept", "Open311", "Webhook", "Excel",
    "GeoJSON", "SMS", "HTML", "JSON", "SLA", "id", "MM", "DD",
}  # fmt: skip
WORD = re.compile(r"[A-Za-z][A-Za-z0-9]+")


class Headings(HTMLParser):
    """Text inside h1/h2/h3, table captions, column headings and the index's model links."""

    TAGS = {"h1", "h2", "h3", "caption", "th"}

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.texts: list[str] = []

    body = 0

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self.body += 1  # row headings inside a table body are data (a username), not labels
        if tag in self.TAGS and not (tag == "th" and self.body):
            self.depth += 1
            self.texts.append("")

    def handle_endtag(self, tag):
        if tag == "tbody" and self.body:
            self.body -= 1
        if tag in self.TAGS and self.depth and not (tag == "th" and self.body):
            self.depth -= 1

    def handle_data(self, data):
        if self.depth and self.texts:
            self.texts[-1] += data


def english(html: str) -> list[str]:
    parser = Headings()
    parser.feed(html)
    found = []
    for text in parser.texts:
        words = [w for w in WORD.findall(text) if w not in ALLOWED]
        if words:
            found.append(" ".join(text.split()))
    return found


@pytest.fixture
def superuser_client(admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client = Client()
    client.force_login(admin_user)
    return client


def test_every_changelist_and_the_index_are_in_chinese(superuser_client):
    pages = [reverse("admin:index")]
    for model in admin.site._registry:
        meta = model._meta
        pages.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        pages.append(reverse("admin:app_list", args=[meta.app_label]))
    problems = {}
    for url in dict.fromkeys(pages):
        response = superuser_client.get(url)
        assert response.status_code == 200, url
        found = english(response.content.decode())
        if found:
            problems[url] = found
    assert not problems, "\n".join(f"{u}: {sorted(set(p))}" for u, p in problems.items())


def test_every_column_and_filter_label_is_in_chinese(rf, admin_user):
    """Column headings show only when a list has rows: check every admin's labels directly."""
    from django.contrib.admin.utils import label_for_field

    request = rf.get("/admin/")
    request.user = admin_user
    problems = []
    for model, model_admin in admin.site._registry.items():
        for name in model_admin.get_list_display(request):
            if name == "action_checkbox":
                continue
            label = str(label_for_field(name, model, model_admin))
            if [w for w in WORD.findall(label) if w not in ALLOWED]:
                problems.append(f"{model._meta.label}.{name}: {label}")
        for spec in model_admin.get_list_filter(request):
            if isinstance(spec, str):
                label = str(label_for_field(spec.split("__")[0], model, model_admin))
            elif isinstance(spec, tuple):
                label = str(label_for_field(spec[0].split("__")[0], model, model_admin))
            else:
                label = str(spec.title)
            if [w for w in WORD.findall(label) if w not in ALLOWED]:
                problems.append(f"{model._meta.label} filter {spec}: {label}")
        for word in (str(model._meta.verbose_name), str(model._meta.verbose_name_plural)):
            if [w for w in WORD.findall(word) if w not in ALLOWED]:
                problems.append(f"{model._meta.label}: {word}")
    assert not problems, "\n".join(problems)


def test_the_walker_catches_english():
    assert english("<h1>选择 access attempt 来修改</h1><th>ID</th>") == [
        "选择 access attempt 来修改"
    ]
    assert english("<th scope='col'><a>IP 地址</a></th>") == []
