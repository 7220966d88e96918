"""The English catalog: every piece of UI text has a translation, and what the app loads
(the compiled .mo) is what the .po says. New UI text without a translation fails here:
run ``make translations`` and fill in the new entries of the .po."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from tests.conftest import ROOT

CATALOG = ROOT / "web" / "translations" / "en" / "LC_MESSAGES"
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None}
"""The keywords ``make translations`` extracts (Babel's defaults plus lazy_gettext)."""


def english_po() -> Catalog:
    with (CATALOG / "messages.po").open("rb") as handle:
        return read_po(handle, locale="en")


def messages_of(catalog: Catalog) -> dict[tuple[str | None, object], object]:
    return {(m.context, m.id): m.string for m in catalog if m.id}


def extracted_from_the_code() -> dict[str, list[str]]:
    """msgid -> where it is used, as ``make translations`` extracts them (babel.cfg)."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle, "babel.cfg")
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        for msgid in (message,) if isinstance(message, str) else message:
            if msgid:
                found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def test_the_compiled_english_catalog_is_up_to_date_with_its_po_file() -> None:
    compiled = io.BytesIO()
    write_mo(compiled, english_po())
    compiled.seek(0)
    with (CATALOG / "messages.mo").open("rb") as handle:
        shipped = read_mo(handle)
    assert messages_of(shipped) == messages_of(read_mo(compiled)), (
        "messages.mo differs from messages.po: run `make translations`"
    )


def test_every_text_of_the_interface_has_an_english_translation() -> None:
    catalog = english_po()
    found = extracted_from_the_code()
    assert len(found) > 50, "extraction found almost nothing: is babel.cfg right?"
    missing = []
    for msgid, where in sorted(found.items()):
        entry = catalog.get(msgid)
        strings = entry.string if entry is not None else ""
        forms = strings if isinstance(strings, tuple) else (strings,)
        if entry is None or entry.fuzzy or not all(forms):
            missing.append(f"{where[0]}: {msgid!r}")
    assert missing == [], (
        "UI text without an English translation (run `make translations`, then translate "
        "in web/translations/en/LC_MESSAGES/messages.po):\n" + "\n".join(missing)
    )


def test_english_translations_keep_the_placeholders_of_the_indonesian_text() -> None:
    problems = [
        f"{message.id!r}: {'; '.join(str(e) for e in errors)}"
        for message, errors in english_po().check()
    ]
    assert problems == []


def test_the_english_catalog_is_where_flask_babel_looks_for_it() -> None:
    from flask_babel import force_locale, gettext

    from web.app import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://"})
    assert Path(app.root_path, "translations") == CATALOG.parent.parent
    with app.test_request_context("/"), force_locale("en"):
        assert gettext("Keluar") == "Sign out"
