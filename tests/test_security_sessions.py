"""Sessions and forms under attack: fixation, forged cookies, CSRF on every form, cookie
flags, throttling, the password policy and its hashes, security headers everywhere.

``tests/test_web_auth.py`` has the basic sign-in checks (one missing token, one
throttled name, one page's headers); here every state-changing route of the UI is
enumerated from ``app.url_map``, and every kind of answer is checked for its headers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from engine import cases
from engine.accounts import set_active
from engine.cases import PersonalData
from engine.users import MIN_PASSWORD, USERS
from tests.conftest import PUBLISHED_AT, close_store
from tests.test_web_auth import PASSWORD, add_user, sign_in
from web.app import create_app
from web.cli import cli
from web.extensions import app_store

D2024 = "inwalkot-jaksel-e-0006-2024"
KELURAHAN = "31.74.01.1001"
MONDAY_MORNING = dt.datetime(2024, 6, 3, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
EMPTY_ANCHOR = b"# diktum anchor 1 2025-06-02T09:00:00+07:00\n# end 0\n"
"""An anchor of a log with no cases: it holds."""
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_of(client: FlaskClient, path: str, **kw: Any) -> str:
    found = TOKEN.search(client.get(path, **kw).get_data(as_text=True))
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def signed_in_user(client: FlaskClient) -> str | None:
    """The name the header shows for this client's session, if any."""
    found = re.search(r"([a-z0-9._]+) · [a-z_]+ · ", client.get("/").get_data(as_text=True))
    return found.group(1) if found else None


_REFLECTED: weakref.WeakKeyDictionary[Flask, sa.MetaData] = weakref.WeakKeyDictionary()


def snapshot(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: a refused request changes none of them."""
    with app_store(app).read() as conn:
        if app not in _REFLECTED:
            _REFLECTED[app] = sa.MetaData()
            _REFLECTED[app].reflect(conn)
        return {
            name: sorted(tuple(map(repr, row)) for row in conn.execute(sa.select(table)))
            for name, table in _REFLECTED[app].tables.items()
        }


def open_case(app: Flask, **kwargs: Any) -> str:
    store = app_store(app)
    with store.write() as conn:
        receipt = cases.open_case(
            conn,
            store.tree(),
            definition_ref=D2024,
            unit_code=KELURAHAN,
            channel="elektronik",
            title="Saluran air tersumbat",
            category="kebersihan",
            now=dt.datetime.now(dt.UTC),
            **kwargs,
        )
    return receipt.number


# -- session fixation and forged sessions ----------------------------------------------


def test_signing_in_replaces_the_session_it_started_from(app: Flask) -> None:
    add_user(app, "camat1", "camat", "31.74.01")
    client = app.test_client()
    planted = csrf_of(client, "/masuk?lang=en")  # what a fixating attacker would know
    before = client.get_cookie("session")
    assert before is not None
    assert sign_in(client, "camat1") == "/"
    after = client.get_cookie("session")
    assert after is not None and after.value != before.value
    assert signed_in_user(client) == "camat1"
    assert 'lang="en"' in client.get("/").get_data(as_text=True)  # the language stays

    # The cookie from before signing in grants nothing.
    stranger = app.test_client()
    stranger.set_cookie("session", before.value)
    assert signed_in_user(stranger) is None
    assert stranger.get("/petugas/").status_code == 302

    # Nor does the CSRF token of that session work in the signed-in one.
    number = open_case(app)
    app.config["WTF_CSRF_ENABLED"] = True
    state = snapshot(app)
    refused = client.post(
        f"/petugas/kasus/{number}/aksi/disposisi",
        data={"csrf_token": planted, "expected_version": 1, "f_unit_tujuan": "31.74.SDSDA"},
    )
    assert refused.status_code == 400
    assert snapshot(app) == state


def test_what_a_visitor_left_in_the_session_does_not_survive_signing_in(app: Flask) -> None:
    """A citizen's receipt in a shared browser is gone once an officer signs in there."""
    app.config["NOW"] = PUBLISHED_AT.isoformat()
    add_user(app, "camat1", "camat", "31.74.01")
    client = app.test_client()
    number = open_case(app)
    with client.session_transaction() as session:
        session["receipt"] = number
        session["anything"] = "planted"
    assert sign_in(client, "camat1") == "/"
    with client.session_transaction() as session:
        assert "anything" not in session and "receipt" not in session
        assert str(session.get("_user_id")).startswith("camat1:")


def test_a_session_signed_with_another_key_or_tampered_with_grants_nothing(app: Flask) -> None:
    add_user(app, "admin1", "admin", "31")
    interface = SecureCookieSessionInterface()
    wanted = {"_user_id": "admin1", "_fresh": True}
    for key in ("dev", "", "test2"):
        other = Flask("forger")
        other.secret_key = key or "x"
        forged = interface.get_signing_serializer(other)
        assert forged is not None
        client = app.test_client()
        client.set_cookie("session", forged.dumps(wanted))
        assert client.get("/admin/pengguna").status_code == 302, key
    real = app.test_client()
    assert sign_in(real, "admin1") == "/"
    cookie = real.get_cookie("session")
    assert cookie is not None
    payload, signature = cookie.value.rsplit(".", 1)
    tampered = app.test_client()
    tampered.set_cookie("session", f"{payload}.{signature[::-1]}")
    assert tampered.get("/admin/pengguna").status_code == 302
    stolen = app.test_client()
    stolen.set_cookie("session", cookie.value)
    # Strong session protection: the same cookie from another browser is not signed in.
    other_browser = {"User-Agent": "Mallory/1.0"}
    assert stolen.get("/admin/pengguna", headers=other_browser).status_code == 302


def copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another client holding a copy of ``client``'s session cookie (a stolen copy, or a
    second tab in the same browser)."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    copy = app.test_client()
    copy.set_cookie("session", cookie.value)
    return copy


def test_signing_out_ends_every_copy_of_the_session_cookie(app: Flask) -> None:
    add_user(app, "camat1", "camat", "31.74.01")
    client = app.test_client()
    assert sign_in(client, "camat1") == "/"
    copy = copy_of(app, client)
    assert signed_in_user(copy) == "camat1"  # a live session's copy is signed in
    laptop = app.test_client()
    assert sign_in(laptop, "camat1") == "/"  # signing in elsewhere keeps the first in
    assert signed_in_user(client) == signed_in_user(laptop) == "camat1"

    signing_out = client.post("/keluar", data={"csrf_token": csrf_of(client, "/")})
    assert signing_out.status_code == 302
    assert signed_in_user(client) is None
    assert signed_in_user(copy) is None
    assert copy.get("/petugas/").status_code == 302
    assert signed_in_user(laptop) is None  # signing out ends the user's every session

    # Signing in again starts a new session; the old copy stays signed out.
    assert sign_in(client, "camat1") == "/"
    assert signed_in_user(client) == "camat1"
    assert signed_in_user(copy) is None


def test_a_reactivated_user_does_not_get_their_old_sessions_back(app: Flask) -> None:
    add_user(app, "camat1", "camat", "31.74.01")
    client = app.test_client()
    assert sign_in(client, "camat1") == "/"
    for active in (False, True):
        with app_store(app).write() as conn:
            set_active(conn, "camat1", active)
        assert signed_in_user(client) is None
    assert sign_in(client, "camat1") == "/"
    assert signed_in_user(client) == "camat1"


def test_a_session_signs_in_only_with_its_users_current_token(app: Flask) -> None:
    """Even a cookie signed with the real key (a leaked key, or a cookie from before
    tokens) names nobody without the token on the user's row."""
    add_user(app, "camat1", "camat", "31.74.01")
    add_user(app, "admin1", "admin", "31")
    client = app.test_client()
    assert sign_in(client, "camat1") == "/"
    signer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert signer is not None
    cookie = client.get_cookie("session")
    assert cookie is not None
    real = signer.loads(cookie.value)
    name, _, token = real["_user_id"].partition(":")
    with app_store(app).read() as conn:
        stored = conn.execute(
            sa.select(USERS.c.session_token).where(USERS.c.name == "camat1")
        ).scalar()
    assert name == "camat1" and token == stored and len(token) >= 40

    resigned = app.test_client()
    resigned.set_cookie("session", signer.dumps(real))
    assert signed_in_user(resigned) == "camat1"  # re-signing alone changes nothing
    for user_id in ("camat1", "camat1:", f"camat1:{token[:-1]}", f"admin1:{token}", ":"):
        forged = app.test_client()
        forged.set_cookie("session", signer.dumps({**real, "_user_id": user_id}))
        assert signed_in_user(forged) is None, user_id
        assert forged.get("/admin/pengguna").status_code == 302, user_id


# -- CSRF on every state-changing form -------------------------------------------------

API_BLUEPRINTS = {"api", "open311"}
"""Token-less by design: JSON bodies with a bearer key, Open311 with its api_key."""


@pytest.fixture
def guarded(sqlite_url: str, tmp_path: Path) -> Iterator[Flask]:
    application = create_app(
        {
            "TESTING": True,
            "WTF_CSRF_ENABLED": True,
            "DEFINITIONS_DIR": str(Path(__file__).resolve().parent.parent / "definitions"),
            "DATABASE_URL": sqlite_url,
            "SECRET_KEY": "test",
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
            "NOW": MONDAY_MORNING.isoformat(),  # the kelurahan office is open
        }
    )
    result = application.test_cli_runner().invoke(cli, ["init", "--now", PUBLISHED_AT.isoformat()])
    assert result.exit_code == 0, result.output
    yield application
    close_store(application)


def ui_posts(app: Flask) -> set[str]:
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or ()) and rule.endpoint.split(".")[0] not in API_BLUEPRINTS
    }


def forged_tokens(app: Flask, real: str) -> dict[str, str | None]:
    """Tokens that must not pass: none, empty, junk, another session's, another key's."""
    stranger = app.test_client()
    other_session = csrf_of(stranger, "/masuk")
    payload, _, signature = real.partition(".")
    return {
        "missing": None,
        "empty": "",
        "junk": "x" * 40,
        "another session's": other_session,
        "re-signed": f"{payload}.{hashlib.sha1(signature.encode()).hexdigest()}",
    }


def test_every_state_changing_form_refuses_a_missing_or_forged_token(guarded: Flask) -> None:
    app = guarded
    for name, role, unit in [
        ("admin1", "admin", "31"),
        ("auditor1", "auditor", "31"),
        ("lurah1", "lurah", KELURAHAN),
        ("petugas1", "petugas_kelurahan", KELURAHAN),
    ]:
        add_user(app, name, role, unit)
    number = open_case(app, complainant=PersonalData(name="Siti Rahma"))
    yaml = (Path(__file__).resolve().parent.parent / "definitions" / f"{D2024}.v1.yaml").read_text(
        encoding="utf-8"
    )
    # endpoint: (who, form page, path, fields, answer with a good token)
    posts: dict[str, tuple[str | None, str, str, dict[str, str], int]] = {
        "auth.sign_in": (None, "/masuk", "/masuk", {"name": "lurah1", "password": PASSWORD}, 302),
        "citizen.file": (
            None,
            "/adukan",
            "/adukan",
            {
                "definition": D2024,
                "unit": KELURAHAN,
                "title": "Sampah",
                "description": "Menumpuk.",
                "category": "kebersihan",
            },
            302,
        ),
        "officer.act": (
            "lurah1",
            f"/petugas/kasus/{number}",
            f"/petugas/kasus/{number}/aksi/disposisi",
            {"expected_version": "1", "f_unit_tujuan": "31.74.SDSDA"},
            302,
        ),
        "officer.intake": (
            "lurah1",
            "/petugas/pengaduan-baru",
            "/petugas/pengaduan-baru",
            {
                "definition": D2024,
                "channel": "kantor_lurah",
                "unit": KELURAHAN,
                "title": "Jalan berlubang",
                "description": "Di depan sekolah.",
                "category": "jalan dan trotoar",
            },
            302,
        ),
        "admin.upload": (
            "admin1",
            "/admin/definisi/unggah",
            "/admin/definisi/unggah",
            {"isi": yaml.replace("\nversion: 1\n", "\nversion: 2\n", 1)},
            303,
        ),
        "admin.add_user": (
            "admin1",
            "/admin/pengguna",
            "/admin/pengguna",
            {"name": "baru1", "role": "admin", "unit": "31", "password": PASSWORD},
            303,
        ),
        "admin.deactivate": (
            "admin1",
            "/admin/pengguna",
            "/admin/pengguna/petugas1/nonaktifkan",
            {},
            303,
        ),
        "admin.activate": (
            "admin1",
            "/admin/pengguna",
            "/admin/pengguna/petugas1/aktifkan",
            {},
            303,
        ),
        "admin.change_password": (
            "admin1",
            "/admin/pengguna",
            "/admin/pengguna/petugas1/sandi",
            {"password": "kata-sandi-baru-123"},
            303,
        ),
        "admin.erase": (
            "admin1",
            "/admin/data-pribadi",
            "/admin/data-pribadi",
            {"number": number, "reason": "Surat 1/2025", "confirm": "yes"},
            303,
        ),
        "auditor.verify": ("auditor1", "/audit/", "/audit/verifikasi", {}, 200),
        "auditor.take_anchor": ("auditor1", "/audit/", "/audit/jangkar", {}, 200),
        "auditor.check_anchor": (
            "auditor1",
            "/audit/",
            "/audit/jangkar/periksa",
            {"berkas": lambda: (io.BytesIO(EMPTY_ANCHOR), "jangkar.txt")},
            200,
        ),
        "auth.sign_out": ("lurah1", "/", "/keluar", {}, 302),
    }
    assert ui_posts(app) == set(posts), "a new form: add it here"
    clients: dict[str, FlaskClient] = {}
    for who in ("admin1", "auditor1", "lurah1"):
        clients[who] = app.test_client()
        assert sign_in(clients[who], who) == "/"
    refused = 0
    for endpoint, (who, page, path, fields, ok) in posts.items():
        client = clients[who] if who else app.test_client()
        real = csrf_of(client, page)
        for kind, forged in forged_tokens(app, real).items():
            state = snapshot(app)
            data = fresh(fields) if forged is None else {**fresh(fields), "csrf_token": forged}
            response = client.post(path, data=data)
            assert response.status_code == 400, (endpoint, kind, response.status_code)
            assert snapshot(app) == state, (endpoint, kind)
            assert signed_in_user(client) == who, (endpoint, kind)  # nor signs in or out
            refused += 1
        # With the real token the same post goes through (the verification streams:
        # reading it to the end lets go of its request context).
        with client.post(path, data={**fresh(fields), "csrf_token": real}) as accepted:
            assert accepted.status_code == ok, (endpoint, accepted.get_data(as_text=True))
    assert refused == len(posts) * 5


def fresh(fields: dict[str, Any]) -> dict[str, Any]:
    """The form's fields, an uploaded file made anew for each post (a post reads it)."""
    return {name: value() if callable(value) else value for name, value in fields.items()}


def test_the_token_less_api_takes_no_form_a_cross_site_page_could_send(guarded: Flask) -> None:
    """An HTML form can only send urlencoded, multipart or text bodies: the JSON API
    refuses each of them, even with a signed-in officer's cookie."""
    app = guarded
    add_user(app, "lurah1", "lurah", KELURAHAN)
    number = open_case(app)
    client = app.test_client()
    assert sign_in(client, "lurah1") == "/"
    state = snapshot(app)
    body = '{"fields": {"unit_tujuan": "31.74.SDSDA"}, "expected_version": 1}'
    for content_type in ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain"):
        for path in (f"/api/v1/cases/{number}/actions/disposisi", "/api/v1/cases"):
            response = client.post(path, data=body, content_type=content_type)
            assert 400 <= response.status_code < 500, (path, content_type)
    assert snapshot(app) == state


# -- cookies ---------------------------------------------------------------------------


def production(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """The app as ``create_app()`` makes it from the environment, as in production."""
    monkeypatch.setenv("DIKTUM_DATABASE_URL", f"sqlite:///{tmp_path / 'diktum.sqlite'}")
    monkeypatch.setenv("DIKTUM_SECRET_KEY", "rahasia-produksi-" + "k" * 24)
    app = create_app()
    result = app.test_cli_runner().invoke(cli, ["init", "--now", PUBLISHED_AT.isoformat()])
    assert result.exit_code == 0, result.output
    return app


def set_cookies(response: TestResponse) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def test_production_cookies_are_secure_http_only_and_same_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = production(tmp_path, monkeypatch)
    try:
        add_user(app, "camat1", "camat", "31.74.01")
        client = app.test_client()
        https = {"base_url": "https://diktum.example"}
        token = csrf_of(client, "/masuk", **https)
        response = client.post(
            "/masuk",
            data={"name": "camat1", "password": PASSWORD, "csrf_token": token},
            headers={"Referer": "https://diktum.example/masuk"},  # checked over HTTPS
            **https,
        )
        assert response.status_code == 302
        cookies = set_cookies(response)
        assert set(cookies) == {"session"}  # no remember-me cookie is ever issued
        flags = {part.strip().lower() for part in cookies["session"].split(";")[1:]}
        assert {"secure", "httponly", "samesite=lax"} <= flags
        for name in ("SESSION", "REMEMBER"):
            assert app.config[f"{name}_COOKIE_SECURE"] is True
            assert app.config[f"{name}_COOKIE_HTTPONLY"] is True
            assert app.config[f"{name}_COOKIE_SAMESITE"] == "Lax"
    finally:
        close_store(app)


# -- throttling ------------------------------------------------------------------------


def test_throttling_counts_per_address_and_spares_other_addresses(app: Flask) -> None:
    add_user(app, "camat1", "camat", "31.74.01")
    attacker = app.test_client()
    guesses = [
        sign_in(attacker, f"nama{i}", "tebakan-salah", environ_base={"REMOTE_ADDR": "192.0.2.9"})
        for i in range(31)
    ]  # a different name each time: the per-address limit still counts them
    assert guesses[:30] == ["200"] * 30 and guesses[30] == "429"
    assert (
        sign_in(attacker, "camat1", environ_base={"REMOTE_ADDR": "192.0.2.9"}) == "429"
    )  # even the right password
    colleague = app.test_client()
    assert sign_in(colleague, "camat1", environ_base={"REMOTE_ADDR": "192.0.2.77"}) == "/"


def test_a_failed_sign_in_does_not_say_whether_the_name_exists(app: Flask) -> None:
    add_user(app, "camat1", "camat", "31.74.01")
    pages = []
    for name in ("camat1", "tidakada1"):
        client = app.test_client()
        token = csrf_of(client, "/masuk")
        response = client.post(
            "/masuk", data={"name": name, "password": "salah-sekali-ini", "csrf_token": token}
        )
        assert response.status_code == 200
        page = response.get_data(as_text=True).replace(name, "X").replace(token, "T")
        pages.append(re.sub(r'value="[^"]*"', 'value=""', page))
    assert pages[0] == pages[1]


# -- passwords -------------------------------------------------------------------------


def test_short_passwords_are_refused_by_the_cli_and_the_admin_page(app: Flask) -> None:
    short = "x" * (MIN_PASSWORD - 1)
    add = ["user", "add", "--role", "camat", "--unit", "31.74.01", "--password"]
    result = app.test_cli_runner().invoke(cli, [*add, short, "pendek1"])
    assert result.exit_code == 1 and str(MIN_PASSWORD) in result.output, result.output
    assert "Traceback" not in result.output
    add_user(app, "admin1", "admin", "31")
    client = app.test_client()
    assert sign_in(client, "admin1") == "/"
    response = client.post(
        "/admin/pengguna",
        data={
            "name": "pendek2",
            "role": "camat",
            "unit": "31.74.01",
            "password": short,
            "csrf_token": csrf_of(client, "/admin/pengguna"),
        },
    )
    assert response.status_code == 400
    with app_store(app).read() as conn:
        names = set(conn.execute(sa.select(USERS.c.name)).scalars())
    assert names == {"admin1"}
    exact = "y" * MIN_PASSWORD
    result = app.test_cli_runner().invoke(cli, [*add, exact, "cukup1"])
    assert result.exit_code == 0, result.output
    assert sign_in(app.test_client(), "cukup1", exact) == "/"


def test_passwords_are_stored_as_argon2id_hashes_only(app: Flask) -> None:
    add_user(app, "camat1", "camat", "31.74.01")
    add_user(app, "camat2", "camat", "31.74.02")  # the same password
    with app_store(app).read() as conn:
        hashes = dict(conn.execute(sa.select(USERS.c.name, USERS.c.password_hash)).all())
        everything = repr(snapshot(app))
    assert PASSWORD not in everything
    assert all(h.startswith("$argon2id$") for h in hashes.values())
    assert hashes["camat1"] != hashes["camat2"]  # salted


# -- security headers ------------------------------------------------------------------


def csp_directives(header: str) -> dict[str, list[str]]:
    parts = [part.split() for part in header.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


def test_every_kind_of_answer_carries_the_security_headers(app: Flask) -> None:
    add_user(app, "admin1", "admin", "31")
    number = open_case(app)
    client = app.test_client()
    assert sign_in(client, "admin1") == "/"
    answers = {
        "page": client.get("/"),
        "form": client.get("/adukan"),
        "admin page": client.get(f"/admin/definisi/{D2024}/1"),
        "404": client.get("/tidak-ada"),
        "refused post": app.test_client().post("/masuk", data={}),
        "redirect": app.test_client().get("/petugas/"),
        "static": client.get("/static/diktum.css"),
        "csv": client.get(f"/audit/kasus/{number}.csv"),
        "json export": client.get(f"/audit/kasus/{number}.json"),
        "api": client.get("/api/v1/definitions"),
        "api error": client.get("/api/v1/tidak-ada"),
        "open311 xml": client.get("/open311/v2/services.xml"),
        "open311 json": client.get("/open311/v2/discovery.json"),
    }
    for kind, response in answers.items():
        headers = response.headers
        directives = csp_directives(headers.get("Content-Security-Policy", ""))
        assert directives.get("script-src") == ["'self'"], kind
        assert directives.get("default-src") == ["'self'"], kind
        assert directives.get("object-src") == ["'none'"], kind
        assert directives.get("base-uri") == ["'none'"], kind
        assert directives.get("frame-ancestors") == ["'none'"], kind
        assert directives.get("form-action") == ["'self'"], kind
        assert not any(
            "unsafe" in source or source in ("*", "data:", "http:", "https:")
            for name in ("script-src", "default-src")
            for source in directives[name]
        ), kind
        assert headers.get("X-Content-Type-Options") == "nosniff", kind
        assert headers.get("X-Frame-Options") == "DENY", kind
        assert headers.get("Referrer-Policy") in ("same-origin", "no-referrer"), kind
    for response in answers.values():
        response.close()


def test_pages_carry_no_inline_script_or_event_handler(app: Flask) -> None:
    """What the CSP would block must not be needed: no inline ``<script>``, no ``on*=``
    attribute, no ``javascript:`` URL in any page a signed-in administrator sees."""
    add_user(app, "admin1", "admin", "31")
    number = open_case(app)
    client = app.test_client()
    assert sign_in(client, "admin1") == "/"
    paths = [
        "/",
        "/masuk",
        "/adukan",
        "/lacak",
        f"/lacak/{number}",
        "/audit/",
        f"/audit/kasus/{number}",
        "/admin/definisi",
        f"/admin/definisi/{D2024}/1",
        "/admin/definisi/unggah",
        "/admin/pengguna",
        "/admin/unit",
        "/admin/data-pribadi",
        "/pemantauan/",
        "/pemantauan/terlambat",
        "/pemantauan/kecamatan/31.74.01",
        "/pemantauan/kota/31.74",
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), path
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", page, re.IGNORECASE), path
        assert "javascript:" not in page.lower(), path
