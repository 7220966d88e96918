"""The WSGI entry point for production servers: ``gunicorn web.wsgi:app``.

Configuration comes from ``DIKTUM_*`` variables (see ``web.app.create_app``). The web
processes never run the scheduler: ``diktum worker`` does, on PostgreSQL one active and
any number standing by. A production server refuses to start with the development
secret key, because every web process must sign sessions with the same real secret.
"""

from __future__ import annotations

from web.app import DEVELOPMENT_SECRET, create_app

app = create_app()
if app.config["SECRET_KEY"] == DEVELOPMENT_SECRET:
    raise RuntimeError(
        "DIKTUM_SECRET_KEY is not set: give every web process the same long random secret,"
        " e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'"
    )
