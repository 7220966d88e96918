"""Signing in: hashed passwords, CSRF, throttling, safe redirects, security headers."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from web.cli import cli

PASSWORD = "kata-sandi-uji-coba"


def add_user(app: Flask, name: str, role: str, unit: str) -> None:
    result = app.test_cli_runner().invoke(
        cli, ["user", "add", name, "--role", role, "--unit", unit, "--password", PASSWORD]
    )
    assert result.exit_code == 0, result.output


def sign_in(client: FlaskClient, name: str, password: str = PASSWORD, **kw: str) -> str:
    page = client.get("/masuk").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/masuk", data={"name": name, "password": password, "csrf_token": token}, **kw
    )
    return str(response.headers.get("Location", response.status_code))


def test_an_officer_signs_in_with_the_right_password_and_not_the_wrong_one(app: Flask) -> None:
    add_user(app, "camat1", "camat", "31.74.01")
    client = app.test_client()
    assert sign_in(client, "camat1", "salah-sekali-ini") == "200"
    assert "camat1" not in client.get("/").get_data(as_text=True)
    assert sign_in(client, "camat1") == "/"
    assert "camat1 · camat · 31.74.01" in client.get("/").get_data(as_text=True)


def test_sign_in_without_the_csrf_token_is_refused(app: Flask) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    add_user(app, "camat1", "camat", "31.74.01")
    client = app.test_client()
    response = client.post("/masuk", data={"name": "camat1", "password": PASSWORD})
    assert response.status_code == 400
    assert "camat1 ·" not in client.get("/").get_data(as_text=True)


def test_sign_in_is_throttled_after_repeated_failures(app: Flask) -> None:
    add_user(app, "camat1", "camat", "31.74.01")
    client = app.test_client()
    codes = [sign_in(client, "camat1", "tebakan-salah-1") for _ in range(10)]
    assert codes == ["200"] * 10
    assert sign_in(client, "camat1") == "429"  # even the right password, for a while


def test_a_redirect_after_sign_in_stays_on_this_site(app: Flask) -> None:
    add_user(app, "camat1", "camat", "31.74.01")
    client = app.test_client()
    assert sign_in(client, "camat1", query_string={"next": "//evil.example/x"}) == "/"


def test_pages_carry_security_headers(app: Flask) -> None:
    response = app.test_client().get("/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_interface_speaks_indonesian_by_default_and_english_on_request(app: Flask) -> None:
    client = app.test_client()
    assert "Masuk" in client.get("/masuk").get_data(as_text=True)
    assert 'lang="en"' in client.get("/masuk?lang=en").get_data(as_text=True)


def test_an_unknown_name_costs_an_argon2_verification_like_a_known_one(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sign-in's duration must not tell which user names exist: count the Argon2
    verifications (a spy on the real hasher, not a stand-in) for a known name with a
    wrong password and for a name nobody has."""
    import engine.users

    add_user(app, "camat1", "camat", "31.74.01")
    calls: list[str] = []

    class Counting:
        def __init__(self, real: Any) -> None:
            self.real = real

        def hash(self, password: str) -> str:
            return str(self.real.hash(password))

        def verify(self, stored: str, password: str) -> bool:
            calls.append(password)
            return bool(self.real.verify(stored, password))

    monkeypatch.setattr(engine.users, "_hasher", Counting(engine.users._hasher))
    client = app.test_client()
    assert sign_in(client, "camat1", "salah-sekali-ini") == "200"
    assert sign_in(client, "tidak_ada_orangnya", "salah-sekali-ini") == "200"
    assert calls == ["salah-sekali-ini", "salah-sekali-ini"]
