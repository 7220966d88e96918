"""Signing in and out, the signed-in user, and the role checks every view uses.

Passwords are Argon2 hashes (``engine.users``); sessions are Flask-Login's with strong
session protection, bound to the user's session token so that signing out ends them for
good (a copy of the cookie included); sign-in attempts are throttled per address and per
user name.
Authorisation of case actions is the engine's (role and unit scope); this module only
decides which pages a kind of user may open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from engine.users import USERS, Actor, check_password, end_sessions, session_token
from web.extensions import app_store, limiter

F = TypeVar("F", bound=Callable[..., Any])

ADMIN = "admin"
AUDITOR = "auditor"

auth = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.sign_in"
login_manager.session_protection = "strong"


@dataclass(frozen=True)
class WebUser:
    """The signed-in user, as Flask-Login wants it."""

    name: str
    role: str
    unit_code: str
    token: str

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        """What the session cookie holds: the name and the user's session token (user
        names have no ':')."""
        return f"{self.name}:{self.token}"

    @property
    def actor(self) -> Actor:
        return Actor(self.name, self.role, self.unit_code)

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def is_auditor(self) -> bool:
        return self.role in (ADMIN, AUDITOR)

    @property
    def is_officer(self) -> bool:
        return self.role not in (ADMIN, AUDITOR)


@login_manager.user_loader
def load_user(user_id: str) -> WebUser | None:
    """The user a session names, while their token is still the one it was issued with."""
    name, _colon, token = user_id.partition(":")
    if not token:
        return None
    with app_store(current_app).read() as conn:
        row = conn.execute(_SIGNED_IN, {"name": name, "token": token}).first()
    return WebUser(row.name, row.role, row.unit_code, token) if row else None


_SIGNED_IN = sa.select(USERS.c.name, USERS.c.role, USERS.c.unit_code).where(
    USERS.c.name == sa.bindparam("name"),
    USERS.c.session_token == sa.bindparam("token"),
    USERS.c.active.is_(True),
)
"""Built once: every request of a signed-in user runs it."""


def roles_required(*allowed: str) -> Callable[[F], F]:
    """Only signed-in users with one of ``allowed`` roles (``"officer"`` for any role of
    a definition) may open the view; others get 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user: WebUser = current_user
            ok = user.role in allowed or ("officer" in allowed and user.is_officer)
            if not ok:
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


class SignInForm(FlaskForm):
    name = StringField("Nama pengguna", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Kata sandi", validators=[DataRequired(), Length(max=256)])


def _throttle_key() -> str:
    return f"{request.remote_addr}:{(request.form.get('name') or '').lower()}"


@auth.route("/masuk", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"], key_func=_throttle_key)
@limiter.limit("30 per minute", methods=["POST"])
def sign_in() -> str | Response:
    form = SignInForm()
    if form.validate_on_submit():
        with app_store(current_app).read() as conn:
            row = conn.execute(
                sa.select(USERS).where(USERS.c.name == form.name.data, USERS.c.active.is_(True))
            ).first()
        # Checked even for an unknown name, so the time taken does not reveal which exist.
        known = check_password(row.password_hash if row else None, form.password.data or "")
        if row is not None and known:
            with app_store(current_app).write() as conn:
                token = session_token(conn, row.name)
            _fresh_session()
            login_user(WebUser(row.name, row.role, row.unit_code, token))
            target = request.args.get("next", "")
            if not target.startswith("/") or target.startswith("//"):
                target = url_for("home.index")
            return redirect(target)
        flash(_("Nama pengguna atau kata sandi salah."), "error")
    return render_template("auth/sign_in.html", form=form)


def _fresh_session() -> None:
    """Start a session from nothing on signing in and out (against session fixation):
    what the browser carried before (a citizen's receipt, the CSRF secret a planted
    cookie would share with an attacker) does not survive; only the chosen language
    does."""
    language = session.get("lang")
    session.clear()
    if language is not None:
        session["lang"] = language


@auth.post("/keluar")
@login_required
def sign_out() -> Response:
    """Ends every session of the user (on every device), not just this browser's: the
    cookie cannot be recalled, so the token it carries is replaced."""
    user: WebUser = current_user
    with app_store(current_app).write() as conn:
        end_sessions(conn, user.name)
    logout_user()
    _fresh_session()
    flash(_("Anda telah keluar."), "info")
    return redirect(url_for("home.index"))
