"""Hostile text in every text field is stored as text and shown as text everywhere.

Each payload (markup, SQL, template syntax of Jinja and others, RTL and astral Unicode)
goes, with a tag naming its field, into the case title, description, an intake field, an
action field and the complainant's name, through every way in: the citizen form, the
officer's intake, the JSON API and Open311. It is read back byte-equal from the database
and then looked for on every page and export that shows such text: present escaped where
the field is shown, never present raw, never evaluated (no ``49`` where ``{{7*7}}`` was
typed). Definitions carry the payloads in their titles, diktum texts and public messages
through the administrator's editor. Every check is counted: ``CHECKED`` is printed at the
end of the module (``pytest -s``).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from engine.cases import CASES, COMPLAINANTS
from engine.events import EVENTS
from engine.exports import FORMULA_STARTS
from engine.users import USERS
from tests.conftest import DEFINITIONS, PUBLISHED_AT, close_store, make_app
from tests.test_api import bearer, create_key
from tests.test_web_auth import PASSWORD, add_user, sign_in
from web.cli import cli
from web.extensions import app_store
from workflow.diagram import mermaid
from workflow.loader import load_text

WIB = dt.timezone(dt.timedelta(hours=7))
MONDAY = dt.datetime(2024, 6, 3, 9, 0, tzinfo=WIB)
"""Offices are open: in-person intake works."""
LATER = dt.datetime(2024, 6, 20, 9, 0, tzinfo=WIB)
"""Past every deadline: the cases are on the overdue lists."""
D2024 = "inwalkot-jaksel-e-0006-2024"
KELURAHAN = "31.74.01.1001"
SDSDA = "31.74.SDSDA"

PAYLOADS = {
    "script": "<script>alert(1)</script>",
    "attribute": '"><img src=x onerror=alert(1)>',
    "quote": "' onmouseover='alert(1)' x='",
    "sql": "'; DROP TABLE case_file; --",
    "jinja": "{{7*7}}",
    "jinja-config": "{{ config }}{% raw %}x{% endraw %}{{ self.__init__ }}",
    "dollar": "${7*7} #{7*7} <%= 7*7 %>",
    "unicode": "Jl. \u202eKali\u202c Ciliwung \U0001f30a \u0645\u0631\u062d\u0628\u0627 \u200b",
    "formula": '=HYPERLINK("http://x.example","klik")',
}
EVALUATED = ("49", "Config {", "SECRET_KEY", "bound method", "<%=")
"""What would show if a template engine had run a payload (``<%=`` left raw)."""

CHECKED: Counter[str] = Counter()
"""Checks made, by kind: the figures for the README."""


def value(payload: str, field: str) -> str:
    """The payload first (where a spreadsheet formula would start), then its field."""
    return f"{PAYLOADS[payload]} [{field}]"


def html_of(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.get_data(as_text=True))


def csrf(client: FlaskClient, path: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html_of(client.get(path)))
    assert found, path
    return found.group(1)


def assert_shown_as_text(page: str, where: str, shown: list[str], others: list[str]) -> None:
    """Each of ``shown`` is on the page escaped; none of ``shown + others`` is raw
    (unless escaping leaves it unchanged), and none was evaluated."""
    for text in shown:
        assert str(escape(text)) in page, (where, text)
        CHECKED["shown escaped"] += 1
    for text in [*shown, *others]:
        if str(escape(text)) != text:
            assert text not in page, (where, text)
        CHECKED["never raw"] += 1
    for evaluated in EVALUATED:
        for tag in re.findall(r"\[([a-z:-]+)\]", " ".join(shown)):
            assert f"{evaluated} [{tag}]" not in page, (where, evaluated, tag)
    assert "<script>alert(1)" not in page and "<img src=x" not in page, where
    assert "onmouseover='alert" not in page, where


# -- the world: every payload in through every door --------------------------------------


class World:
    def __init__(self, app: Flask) -> None:
        self.app = app
        for name, role, unit in [
            ("admin1", "admin", "31"),
            ("lurah1", "lurah", KELURAHAN),
            ("auditor1", "auditor", "31"),
        ]:
            add_user(app, name, role, unit)
        self.clients: dict[str, FlaskClient] = {}
        for name in ("admin1", "lurah1", "auditor1"):
            self.clients[name] = app.test_client()
            assert sign_in(self.clients[name], name) == "/"
        self.kiosk = bearer(create_key(app, "kiosk"))
        self.lurah_key = bearer(create_key(app, "lurah-key", "lurah1"))
        self.open311_key = create_key(app, "warga-app")
        self.cases: dict[str, str] = {}  # "door:payload" -> number
        self.receipts: dict[str, str] = {}  # citizen receipt pages, by payload
        self.counts_before: dict[str, int] = {}

    @property
    def lurah(self) -> FlaskClient:
        return self.clients["lurah1"]

    def file_by_citizen(self, payload: str, n: int) -> str:
        client = self.app.test_client()
        addr = {"REMOTE_ADDR": f"198.51.100.{n}"}
        response = client.post(
            "/adukan",
            data={
                "csrf_token": csrf(client, "/adukan"),
                "definition": D2024,
                "unit": KELURAHAN,
                "category": "kebersihan",
                "title": value(payload, "warga:judul"),
                "description": value(payload, "warga:uraian"),
                "f_lokasi": value(payload, "warga:lokasi"),
                "name": value(payload, "warga:nama"),
            },
            environ_base=addr,
        )
        assert response.status_code == 302, (payload, response.get_data(as_text=True)[-3000:])
        receipt = html_of(client.get("/adukan/tanda-terima"))
        number = re.search(r"<code>(DK-[0-9A-Z-]+)</code>", receipt)
        assert number
        self.receipts[payload] = receipt
        return number.group(1)

    def file_by_officer(self, payload: str) -> str:
        client = self.lurah
        response = client.post(
            "/petugas/pengaduan-baru",
            data={
                "csrf_token": csrf(client, "/petugas/pengaduan-baru"),
                "definition": D2024,
                "channel": "kantor_lurah",
                "unit": KELURAHAN,
                "category": "jalan dan trotoar",
                "title": value(payload, "petugas:judul"),
                "description": value(payload, "petugas:uraian"),
                "f_lokasi": value(payload, "petugas:lokasi"),
                "name": value(payload, "petugas:nama"),
            },
        )
        assert response.status_code == 302, (payload, response.get_data(as_text=True)[-3000:])
        return str(response.headers["Location"]).rsplit("/", 1)[1]

    def file_by_api(self, payload: str) -> str:
        body = {
            "definition": D2024,
            "unit": KELURAHAN,
            "channel": "elektronik",
            "category": "kebersihan",
            "title": value(payload, "api:judul"),
            "description": value(payload, "api:uraian"),
            "fields": {"lokasi": value(payload, "api:lokasi")},
            "complainant": {"name": value(payload, "api:nama")},
        }
        response = self.app.test_client().post("/api/v1/cases", json=body, headers=self.kiosk)
        assert response.status_code == 201, (payload, response.get_data(as_text=True))
        return str(response.json["number"])  # type: ignore[index]

    def file_by_open311(self, payload: str) -> str:
        response = self.app.test_client().post(
            "/open311/v2/requests.json",
            data={
                "api_key": self.open311_key,
                "service_code": f"{D2024}:kebersihan",
                "address_id": KELURAHAN,
                "description": value(payload, "open311:uraian"),
                "attribute[lokasi]": value(payload, "open311:lokasi"),
                "first_name": value(payload, "open311:nama"),
            },
        )
        assert response.status_code == 201, (payload, response.get_data(as_text=True))
        return str(response.json[0]["service_request_id"])  # type: ignore[index]

    def route_by_form(self, number: str, payload: str) -> None:
        client = self.lurah
        response = client.post(
            f"/petugas/kasus/{number}/aksi/disposisi",
            data={
                "csrf_token": csrf(client, f"/petugas/kasus/{number}"),
                "expected_version": "1",
                "f_unit_tujuan": KELURAHAN,  # still the lurah's: every page stays open
                "f_catatan_disposisi": value(payload, "catatan"),
            },
        )
        assert response.status_code == 302, (payload, response.get_data(as_text=True)[-3000:])

    def route_by_api(self, number: str, payload: str) -> None:
        response = self.app.test_client().post(
            f"/api/v1/cases/{number}/actions/disposisi",
            json={
                "fields": {
                    "unit_tujuan": KELURAHAN,
                    "catatan_disposisi": value(payload, "catatan"),
                },
                "expected_version": 1,
            },
            headers=self.lurah_key,
        )
        assert response.status_code == 200, (payload, response.get_data(as_text=True))


DOORS = ("warga", "petugas", "api", "open311")
FIELDS = ("judul", "uraian", "lokasi", "nama")


def fields_of(door: str, payload: str) -> dict[str, str]:
    """What went in through ``door``; Open311 has no title (the description is used)."""
    found = {field: value(payload, f"{door}:{field}") for field in FIELDS}
    if door == "open311":
        del found["judul"]
    return found


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder: Path = tmp_path_factory.mktemp("injection")
    app = make_app(f"sqlite:///{folder / 'diktum.sqlite'}", folder)
    result = app.test_cli_runner().invoke(cli, ["init", "--now", PUBLISHED_AT.isoformat()])
    assert result.exit_code == 0, result.output
    app.config["NOW"] = MONDAY.isoformat()
    app.config["RATELIMIT_ENABLED"] = False
    found = World(app)
    for n, payload in enumerate(PAYLOADS):
        found.cases[f"warga:{payload}"] = found.file_by_citizen(payload, n)
        found.cases[f"petugas:{payload}"] = found.file_by_officer(payload)
        found.cases[f"api:{payload}"] = found.file_by_api(payload)
        found.cases[f"open311:{payload}"] = found.file_by_open311(payload)
        found.route_by_form(found.cases[f"warga:{payload}"], payload)
        found.route_by_api(found.cases[f"api:{payload}"], payload)
    yield found
    close_store(app)
    print(f"\ninjection checks: {dict(CHECKED)}")


# -- stored as text ----------------------------------------------------------------------


def test_every_payload_is_stored_byte_equal(world: World) -> None:
    with app_store(world.app).read() as conn:
        for key, number in world.cases.items():
            door, payload = key.split(":")
            typed = fields_of(door, payload)
            row = conn.execute(sa.select(CASES).where(CASES.c.number == number)).one()
            person = conn.execute(
                sa.select(COMPLAINANTS).where(COMPLAINANTS.c.case_id == row.id)
            ).one()
            stored = {
                "uraian": row.description,
                "lokasi": row.data["lokasi"],
                "nama": person.name,
            }
            if "judul" in typed:
                stored["judul"] = row.title
            assert stored == typed, key
            CHECKED["stored byte-equal"] += len(typed)
            if door in ("warga", "api"):
                payloads = conn.execute(
                    sa.select(EVENTS.c.payload).where(EVENTS.c.case_id == row.id)
                ).scalars()
                notes = [p.get("fields", {}).get("catatan_disposisi") for p in payloads]
                assert value(payload, "catatan") in notes, key
                CHECKED["stored byte-equal"] += 1
        tables = set(sa.inspect(conn).get_table_names())
    assert {"case_file", "event", "complainant"} <= tables  # nothing was dropped


def all_values() -> list[str]:
    found = [value(p, f"{d}:{f}") for p in PAYLOADS for d in DOORS for f in FIELDS]
    return found + [value(p, "catatan") for p in PAYLOADS]


# -- shown as text -----------------------------------------------------------------------


def test_officer_pages_show_every_field_escaped(world: World) -> None:
    others = all_values()
    inbox = html_of(world.lurah.get("/petugas/?per_page=200"))
    inbox += "".join(
        html_of(world.lurah.get("/petugas/", query_string={"halaman": page}))
        for page in (2, 3)
        if world.lurah.get("/petugas/", query_string={"halaman": page}).status_code == 200
    )
    for key, number in world.cases.items():
        door, payload = key.split(":")
        typed = fields_of(door, payload)
        title = typed.get("judul", typed["uraian"])
        assert_shown_as_text(inbox, f"inbox {key}", [title], others)
        routed = [value(payload, "catatan")] if door in ("warga", "api") else []
        case_page = html_of(world.lurah.get(f"/petugas/kasus/{number}"))
        assert_shown_as_text(case_page, f"case {key}", [*typed.values(), *routed], others)
        receipt = html_of(world.lurah.get(f"/petugas/tanda-terima/{number}"))
        assert_shown_as_text(receipt, f"officer receipt {key}", [title], others)


def test_the_citizens_receipt_and_tracking_page_show_no_private_field_and_nothing_raw(
    world: World,
) -> None:
    others = all_values()
    anyone = world.app.test_client()
    for payload, receipt in world.receipts.items():
        typed = fields_of("warga", payload)
        assert_shown_as_text(receipt, f"receipt {payload}", [typed["judul"]], others)
        assert str(escape(typed["nama"])) not in receipt  # personal data
    for n, (key, number) in enumerate(world.cases.items()):
        address = {"REMOTE_ADDR": f"203.0.113.{n}"}  # below the tracking rate limit
        page = html_of(anyone.get(f"/lacak/{number}", environ_base=address))
        assert_shown_as_text(page, f"tracking {key}", [], others)
        door, payload = key.split(":")
        for text in fields_of(door, payload).values():  # none of them is public
            assert str(escape(text)) not in page, (key, text)


def test_auditor_pages_and_exports_carry_the_text_unchanged_and_harmless(world: World) -> None:
    others = all_values()
    auditor = world.clients["auditor1"]
    for key, number in world.cases.items():
        door, payload = key.split(":")
        routed = [value(payload, "catatan")] if door in ("warga", "api") else []
        page = html_of(auditor.get(f"/audit/kasus/{number}"))
        assert_shown_as_text(page, f"audit {key}", routed, others)
        exported = auditor.get(f"/audit/kasus/{number}.json")
        assert exported.mimetype == "application/json"
        strings = set(strings_in(exported.json))
        for note in routed:
            assert note in strings, (key, note)
            CHECKED["export exact"] += 1
        table = auditor.get(f"/audit/kasus/{number}.csv").get_data(as_text=True)
        rows = list(csv.reader(io.StringIO(table)))
        for row in rows[1:]:
            for cell in row:
                assert not cell.startswith(FORMULA_STARTS), (key, cell)
                CHECKED["csv cells formula-safe"] += 1
        cells = {text for row in rows for cell in row for text in strings_in(cell)}
        for note in routed:
            assert note in cells, (key, note)
            CHECKED["export exact"] += 1


def strings_in(data: Any) -> Iterator[str]:
    """Every string in JSON data, and every string in JSON text inside it."""
    if isinstance(data, dict):
        for item in data.values():
            yield from strings_in(item)
    elif isinstance(data, list):
        for item in data:
            yield from strings_in(item)
    elif isinstance(data, str):
        yield data
        if data.lstrip("'").startswith("{"):
            with contextlib.suppress(ValueError):
                yield from strings_in(json.loads(data.lstrip("'")))


def test_the_api_and_open311_give_the_text_back_exactly(world: World) -> None:
    for key, number in world.cases.items():
        door, payload = key.split(":")
        typed = fields_of(door, payload)
        case = world.app.test_client().get(f"/api/v1/cases/{number}", headers=world.lurah_key)
        assert case.status_code == 200 and case.mimetype == "application/json"
        body = case.json
        assert body is not None
        assert body["description"] == typed["uraian"], key
        assert body["data"]["lokasi"] == typed["lokasi"], key
        CHECKED["api exact"] += 2
        if "judul" in typed:
            assert body["title"] == typed["judul"]
            CHECKED["api exact"] += 1
    client = world.app.test_client()
    for key, number in world.cases.items():
        door, payload = key.split(":")
        typed = fields_of(door, payload)
        as_json = client.get(f"/open311/v2/requests/{number}.json")
        assert as_json.status_code == 200
        as_xml = client.get(f"/open311/v2/requests/{number}.xml")
        assert as_xml.status_code == 200
        root = ET.fromstring(as_xml.get_data())  # well-formed: nothing broke out
        [request] = list(root)
        description = as_json.json[0].get("description")  # type: ignore[index]
        assert (request.findtext("description") or None) == description, key
        if description:
            assert description in (typed["uraian"], typed.get("judul")), key
        raw = as_xml.get_data(as_text=True)
        assert "<script>" not in raw and "<img" not in raw
        for text in typed.values():
            assert text not in str(as_json.json) or text == description, key  # no personal data
        CHECKED["open311 exact"] += 2


def test_monitoring_lists_show_overdue_titles_escaped(world: World) -> None:
    others = all_values()
    world.app.config["NOW"] = LATER.isoformat()
    try:
        admin = world.clients["admin1"]
        pages = {
            "overdue": html_of(admin.get("/pemantauan/terlambat")),
            "kecamatan": html_of(admin.get("/pemantauan/kecamatan/31.74.01")),
            "city": html_of(admin.get("/pemantauan/kota/31.74")),
        }
    finally:
        world.app.config["NOW"] = MONDAY.isoformat()
    for name, page in pages.items():
        titles = [
            fields_of(*key.split(":")).get("judul") or fields_of(*key.split(":"))["uraian"]
            for key in world.cases
        ]
        shown = [title for title in titles if str(escape(title)) in page]
        if name == "overdue":
            assert shown, "no overdue case listed"
        assert_shown_as_text(page, f"monitoring {name}", shown, others)


def test_user_names_with_payloads_are_refused_and_echoed_escaped(world: World) -> None:
    admin = world.clients["admin1"]
    for payload in PAYLOADS:
        name = PAYLOADS[payload]
        response = admin.post(
            "/admin/pengguna",
            data={
                "name": name,
                "role": "admin",
                "unit": "31",
                "password": PASSWORD,
                "csrf_token": csrf(admin, "/admin/pengguna"),
            },
        )
        assert response.status_code == 400, payload
        assert_shown_as_text(response.get_data(as_text=True), f"user {payload}", [name], [])
        result = world.app.test_cli_runner().invoke(
            cli, ["user", "add", name, "--role", "admin", "--unit", "31", "--password", PASSWORD]
        )
        assert result.exit_code == 1 and "Traceback" not in result.output, payload
    with app_store(world.app).read() as conn:
        names = set(conn.execute(sa.select(USERS.c.name)).scalars())
    assert names == {"admin1", "lurah1", "auditor1"}


# -- definitions written by administrators ---------------------------------------------


def hostile_definition(payload: str) -> str:
    """The 2024 definition as ``uji-<payload>``: the payload in its title, a state's title
    and public text, a diktum's text, an action's title and a field's title."""
    text = (DEFINITIONS / f"{D2024}.v1.yaml").read_text(encoding="utf-8")

    def put(old: str, new: str) -> None:
        nonlocal text
        assert old in text, old
        text = text.replace(old, new, 1)

    def quoted(field: str) -> str:
        return json.dumps(value(payload, field), ensure_ascii=False)  # JSON is YAML

    put(f"id: {D2024}", f"id: uji-{payload}")
    title = text.split("\ntitle: ", 1)[1].split("\n", 1)[0]
    put(f"\ntitle: {title}\n", f"\ntitle: {quoted('def:judul')}\n")
    put(
        "    title: Pengaduan diterima, nomor pengaduan diterbitkan\n",
        f"    title: {quoted('def:status')}\n",
    )
    public = "    public: Pengaduan telah diterima dan dicatat,"
    line = public + text.split(public, 1)[1].split("\n", 1)[0]
    put(f"{line}\n", f"    public: {quoted('def:publik')}\n")
    diktum = f"  KETIGA: {quoted('def:diktum')}\n"
    text = re.sub(r"  KETIGA: >-\n(    .*\n)+", lambda _: diktum, text, count=1)
    put("    title: Disposisi ke unit yang berwenang\n", f"    title: {quoted('def:aksi')}\n")
    put("    title: Catatan disposisi\n", f"    title: {quoted('def:isian')}\n")
    return text


def test_definition_texts_are_shown_escaped_on_every_page_that_shows_them(world: World) -> None:
    admin, lurah = world.clients["admin1"], world.lurah
    defs = {payload: hostile_definition(payload) for payload in PAYLOADS}
    parts = ("judul", "status", "publik", "diktum", "aksi", "isian")
    texts = [value(p, f"def:{part}") for p in PAYLOADS for part in parts]
    for payload, text in defs.items():
        response = admin.post(
            "/admin/definisi/unggah",
            data={"isi": text, "csrf_token": csrf(admin, "/admin/definisi/unggah")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 303, (payload, response.get_data(as_text=True)[-3000:])
    listing = html_of(admin.get("/admin/definisi"))
    home = html_of(lurah.get("/"))
    for payload in PAYLOADS:
        ident = f"uji-{payload}"
        assert_shown_as_text(
            listing, f"definitions {payload}", [value(payload, "def:judul")], texts
        )
        version = html_of(admin.get(f"/admin/definisi/{ident}/1"))
        assert_shown_as_text(
            version,
            f"version {payload}",
            [value(payload, "def:judul"), value(payload, "def:status")],
            texts,
        )
        # A case under it: the state, the action and the public text on every page.
        response = world.app.test_client().post(
            "/api/v1/cases",
            json={
                "definition": ident,
                "unit": KELURAHAN,
                "channel": "elektronik",
                "category": "kebersihan",
                "title": "Sampah",
            },
            headers=world.kiosk,
        )
        assert response.status_code == 201, response.get_data(as_text=True)
        number = response.json["number"]  # type: ignore[index]
        case_page = html_of(lurah.get(f"/petugas/kasus/{number}"))
        assert_shown_as_text(
            case_page,
            f"case under {payload}",
            [value(payload, "def:status"), value(payload, "def:aksi"), value(payload, "def:isian")],
            texts,
        )
        address = {"REMOTE_ADDR": f"192.0.2.{list(PAYLOADS).index(payload)}"}
        tracking = html_of(world.app.test_client().get(f"/lacak/{number}", environ_base=address))
        assert_shown_as_text(
            tracking, f"tracking under {payload}", [value(payload, "def:publik")], texts
        )
        table = world.clients["auditor1"].get(f"/audit/kasus/{number}.csv").get_data(as_text=True)
        cells = [cell for row in list(csv.reader(io.StringIO(table)))[1:] for cell in row]
        status = value(payload, "def:status")
        assert status in cells or "'" + status in cells, payload
        for cell in cells:
            assert not cell.startswith(FORMULA_STARTS), (payload, cell)
            CHECKED["csv cells formula-safe"] += 1
        audit = html_of(world.clients["auditor1"].get(f"/audit/kasus/{number}"))
        assert_shown_as_text(audit, f"audit under {payload}", [value(payload, "def:status")], texts)
    assert_shown_as_text(home, "home", [], texts)


BREAKOUTS = [
    'a"]; click diterima call alert(1)',
    "a\nclick diterima call alert(1)",
    "a\rclick diterima call alert(1)",
    "a\u2028click diterima call alert(1)",
    "a\u0085click diterima call alert(1)",
    "a\x0bb\x0cc",
    "%% a --> b: c",
    "a: b; c # d { e } [ f ] | g ` h \\ i <br> j",
    "</pre><script>alert(1)</script>",
]


@pytest.mark.parametrize("breakout", BREAKOUTS)
def test_diagram_labels_never_break_out_of_their_line(breakout: str) -> None:
    """Mermaid reads the ``<pre>``'s text, where the HTML parser has made every CR a line
    break: a label may carry no line break of any kind, no quote and no markup."""
    base = (DEFINITIONS / f"{D2024}.v1.yaml").read_text(encoding="utf-8")
    quoted = json.dumps(breakout)
    hostile = (
        base.replace("    title: Selesai ditindaklanjuti\n", f"    title: {quoted}\n", 1)
        .replace("    title: Disposisi ke unit yang berwenang\n", f"    title: {quoted}\n", 1)
        .replace("\ntitle: Penerimaan", f"\ntitle: {quoted[:-1]} Penerimaan", 1)
        .replace("(Inwalkot e-0006/2024)\n", '(Inwalkot e-0006/2024)"\n', 1)
    )
    assert hostile.count(quoted[:-1]) == 3
    expected = mermaid(load_text(base, "asli.yaml")).splitlines()
    drawn = mermaid(load_text(hostile, "uji.yaml"))
    lines = re.split(r"\r\n|\r|\n|\u2028|\u2029|\u0085|\x0b|\x0c", drawn.rstrip("\n"))
    assert len(lines) == len(expected)  # no line added or split
    for ours, theirs in zip(lines, expected, strict=True):
        shape = re.sub(r'"[^"]*"|: .*$|%%.*$', "L", ours)
        assert shape == re.sub(r'"[^"]*"|: .*$|%%.*$', "L", theirs), ours
        syntax = ours.replace("<<choice>>", "").replace("-->", "")
        assert "<" not in syntax and ">" not in syntax, ours
        CHECKED["diagram lines"] += 1


def nul_refused(world: World, door: str) -> None:
    with app_store(world.app).read() as conn:
        before = conn.execute(sa.select(sa.func.count()).select_from(CASES)).scalar_one()
    client = world.app.test_client()
    typed = "Sampah\x00menumpuk"
    if door == "form":
        response = client.post(
            "/adukan",
            data={
                "csrf_token": csrf(client, "/adukan"),
                "definition": D2024,
                "unit": KELURAHAN,
                "category": "kebersihan",
                "title": typed,
                "description": typed,
            },
            environ_base={"REMOTE_ADDR": "198.51.100.250"},
        )
    elif door == "api":
        response = client.post(
            "/api/v1/cases",
            json={"definition": D2024, "unit": KELURAHAN, "channel": "elektronik", "title": typed},
            headers=world.kiosk,
        )
    else:
        response = client.post(
            "/open311/v2/requests.json",
            data={
                "api_key": world.open311_key,
                "service_code": f"{D2024}:kebersihan",
                "address_id": KELURAHAN,
                "description": typed,
            },
        )
    assert 400 <= response.status_code < 500, (door, response.status_code)
    assert "Traceback" not in response.get_data(as_text=True), door
    CHECKED["nul refused"] += 1
    with app_store(world.app).read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(CASES)).scalar_one() == before


@pytest.mark.parametrize("door", ["api", "open311"])
def test_nul_characters_are_refused_cleanly_by_the_api_and_open311(world: World, door: str) -> None:
    """No database stores NUL in text the same way (PostgreSQL refuses it): refused as
    invalid input, nothing written, no server error."""
    nul_refused(world, door)


def test_nul_characters_are_refused_cleanly_by_the_forms(world: World) -> None:
    nul_refused(world, "form")
