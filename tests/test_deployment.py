"""Production set-up: the WSGI entry point, and the app behind a load balancer."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from flask import Flask

from tests.conftest import ROOT, close_store, make_app
from tests.test_web_auth import add_user, sign_in


def failures_then_sign_in(app: Flask, failing: str, signing_in: str) -> str:
    client = app.test_client()
    for _ in range(10):
        assert sign_in(client, "camat1", "salah", headers={"X-Forwarded-For": failing}) == "200"
    return sign_in(client, "camat1", headers={"X-Forwarded-For": signing_in})


def test_behind_a_load_balancer_each_client_is_throttled_by_its_own_address(
    app: Flask, sqlite_url: str, tmp_path: Path
) -> None:
    add_user(app, "camat1", "camat", "31.74.01")
    proxied = make_app(sqlite_url, tmp_path, PROXY_HOPS=1)
    try:
        assert failures_then_sign_in(proxied, "10.0.0.1", "10.0.0.2") == "/"
        assert failures_then_sign_in(proxied, "10.0.0.3", "10.0.0.3") == "429"
    finally:
        close_store(proxied)


def test_without_a_proxy_a_forged_forwarded_for_header_does_not_escape_throttling(
    app: Flask,
) -> None:
    add_user(app, "camat1", "camat", "31.74.01")
    assert failures_then_sign_in(app, "10.0.0.1", "10.0.0.2") == "429"


def run_wsgi(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DIKTUM_")}
    url = f"sqlite:///{tmp_path / 'diktum.sqlite'}"
    return subprocess.run(
        [sys.executable, "-c", "import web.wsgi; print(type(web.wsgi.app).__name__)"],
        cwd=ROOT,
        env={**clean, "DIKTUM_DATABASE_URL": url, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_production_entry_point_refuses_the_development_secret(tmp_path: Path) -> None:
    refused = run_wsgi(tmp_path)
    assert refused.returncode != 0 and "DIKTUM_SECRET_KEY is not set" in refused.stderr
    served = run_wsgi(tmp_path, DIKTUM_SECRET_KEY="a-long-random-secret-for-the-test")
    assert (served.returncode, served.stdout.strip()) == (0, "Flask"), served.stderr


def test_the_procfile_runs_the_web_without_a_scheduler_and_two_workers() -> None:
    processes = dict(
        line.split(":", 1)
        for line in (ROOT / "Procfile").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert "gunicorn" in processes["web"] and "web.wsgi:app" in processes["web"]
    assert [p.strip() for name, p in processes.items() if name != "web"] == ["diktum worker"] * 2
