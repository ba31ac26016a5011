"""Every message catalogue in the product is complete: no empty and no fuzzy msgstr, and the
committed .mo says what its .po says (compilemessages was run).

A fuzzy entry is msgmerge's guess from a similar string; Django does not use it, so the page
falls back to the Chinese source — as bad as an empty one. gettext's own tools read the
catalogues (msgattrib lists the entries, msgfmt compiles), as compilemessages needs them anyway.
"""

from __future__ import annotations

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest

import wangge

PACKAGE = Path(wangge.__file__).parent
CATALOGUES = sorted(PACKAGE.rglob("locale/*/LC_MESSAGES/*.po"))


def _ids(po: Path) -> str:
    return str(po.relative_to(PACKAGE.parent))


def _msgids(*args: str, po: Path) -> list[str]:
    """The msgids of the entries `msgattrib <args>` keeps, the header left out."""
    tool = shutil.which("msgattrib")
    assert tool, "gettext is missing: apt-get install gettext"
    out = subprocess.run(
        [tool, "--no-obsolete", "--no-wrap", *args, str(po)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    found: list[str] = []
    current: list[str] | None = None  # the msgid being read, continuation lines included
    for line in [*out.splitlines(), ""]:
        if line.startswith("msgid "):
            current = [line[len("msgid ") :].strip('"')]
        elif current is not None and line.startswith('"'):
            current.append(line.strip('"'))
        elif current is not None:
            if "".join(current):
                found.append("".join(current))
            current = None
    return found


def test_the_catalogues_are_found():
    names = {str(p.relative_to(PACKAGE)) for p in CATALOGUES}
    assert "locale/en/LC_MESSAGES/django.po" in names
    for app in ("community", "council", "funds", "notices"):
        assert f"{app}/locale/en/LC_MESSAGES/django.po" in names


@pytest.mark.parametrize("po", CATALOGUES, ids=_ids)
def test_no_entry_is_untranslated(po):
    missing = _msgids("--untranslated", po=po)
    assert not missing, f"{len(missing)} untranslated in {_ids(po)}: {missing[:20]}"


@pytest.mark.parametrize("po", CATALOGUES, ids=_ids)
def test_no_entry_is_fuzzy(po):
    fuzzy = _msgids("--only-fuzzy", po=po)
    assert not fuzzy, f"{len(fuzzy)} fuzzy in {_ids(po)}: {fuzzy[:20]}"


@pytest.mark.parametrize("po", CATALOGUES, ids=_ids)
def test_the_compiled_catalogue_matches(po, tmp_path):
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{_ids(mo)} is missing: run compilemessages"
    fresh = tmp_path / "fresh.mo"
    # The flags compilemessages uses: a format string the translation breaks fails here too.
    subprocess.run(["msgfmt", "--check-format", "-o", str(fresh), str(po)], check=True)
    with mo.open("rb") as committed, fresh.open("rb") as compiled:
        ours = gettext.GNUTranslations(committed)._catalog  # type: ignore[attr-defined]
        theirs = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]
    assert ours == theirs, f"{_ids(mo)} is out of date: run compilemessages"
