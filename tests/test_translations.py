"""The catalogs: every message has a translation, and what the app loads (the compiled
.mo) is what the .po says. New text without a translation fails here: run
``make translations`` and fill in the new entries of the .po.

Two catalogs: the UI is written in Indonesian and translated to English (domain
``messages``); the engine's messages are English ``Text("...")`` in ``workflow/`` and
``engine/``, translated to Indonesian (domain ``engine``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from tests.conftest import ROOT

TRANSLATIONS = ROOT / "web" / "translations"


@dataclass(frozen=True)
class Domain:
    name: str
    locale: str
    keywords: dict[str, object]
    """The keywords ``make translations`` extracts for this domain."""
    sources: tuple[str, ...]

    @property
    def po(self) -> Path:
        return TRANSLATIONS / self.locale / "LC_MESSAGES" / f"{self.name}.po"

    def catalog(self) -> Catalog:
        with self.po.open("rb") as handle:
            return read_po(handle, locale=self.locale)

    def extracted(self) -> dict[str, list[str]]:
        """msgid -> where it is used, as ``make translations`` extracts them."""
        found: dict[str, list[str]] = {}
        for source in self.sources:
            if source == "babel.cfg":
                with (ROOT / "babel.cfg").open() as handle:
                    method_map, options_map = parse_mapping_cfg(handle, "babel.cfg")
                found_in = extract_from_dir(ROOT, method_map, options_map, keywords=self.keywords)
            else:
                found_in = extract_from_dir(ROOT / source, keywords=self.keywords)
            for filename, lineno, message, _comments, _context in found_in:
                for msgid in (message,) if isinstance(message, str) else message:
                    if msgid:
                        found.setdefault(msgid, []).append(f"{source}:{filename}:{lineno}")
        return found


UI = Domain(
    "messages", "en", {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None}, ("babel.cfg",)
)
ENGINE = Domain("engine", "id", {"Text": None}, ("workflow", "engine"))
DOMAINS = pytest.mark.parametrize("domain", [UI, ENGINE], ids=["ui-en", "engine-id"])


def messages_of(catalog: Catalog) -> dict[tuple[str | None, object], object]:
    return {(m.context, m.id): m.string for m in catalog if m.id}


@DOMAINS
def test_the_compiled_catalog_is_up_to_date_with_its_po_file(domain: Domain) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, domain.catalog())
    compiled.seek(0)
    with domain.po.with_suffix(".mo").open("rb") as handle:
        shipped = read_mo(handle)
    assert messages_of(shipped) == messages_of(read_mo(compiled)), (
        f"{domain.name}.mo differs from {domain.name}.po: run `make translations`"
    )


@DOMAINS
def test_every_message_has_a_translation(domain: Domain) -> None:
    catalog = domain.catalog()
    found = domain.extracted()
    assert len(found) > 50, "extraction found almost nothing: are the sources right?"
    missing = []
    for msgid, where in sorted(found.items()):
        entry = catalog.get(msgid)
        strings = entry.string if entry is not None else ""
        forms = strings if isinstance(strings, tuple) else (strings,)
        if entry is None or entry.fuzzy or not all(forms):
            missing.append(f"{where[0]}: {msgid!r}")
    assert missing == [], (
        f"text without a translation (run `make translations`, then translate in {domain.po})"
        ":\n" + "\n".join(missing)
    )


@DOMAINS
def test_translations_keep_the_placeholders_of_the_original(domain: Domain) -> None:
    problems = [
        f"{message.id!r}: {'; '.join(str(e) for e in errors)}"
        for message, errors in domain.catalog().check()
    ]
    assert problems == []


def test_the_catalogs_are_where_flask_babel_looks_for_them() -> None:
    from flask_babel import force_locale, gettext

    from web.app import create_app
    from web.messages import say
    from workflow.messages import Text

    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://"})
    assert Path(app.root_path, "translations") == TRANSLATIONS
    refused = Text("unknown action '%(trigger)s'", trigger="tutup")
    with app.test_request_context("/"), force_locale("en"):
        assert gettext("Keluar") == "Sign out"
        assert say(refused) == "unknown action 'tutup'"
    with app.test_request_context("/"), force_locale("id"):
        assert say(refused) == "tindakan 'tutup' tidak dikenal"
