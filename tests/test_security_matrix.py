"""The authorization matrix: every route of the app, for every kind of user, wherever the
case or unit stands to them, and every manual action of both shipped definitions.

Who: anonymous, each role of the definitions (one user at a home unit of the role's
level: Tebet Timur, Tebet, Jakarta Selatan, ...), the system roles ``admin`` and
``auditor``, and on the APIs a client key bound to no user; each user calls the APIs both
with a key bound to them and with their signed-in session. Where: a case or unit in the
user's own unit, below it (the user sits in its parent unit), above it (the user sits in
a child unit) or elsewhere, picked from a fixed list of units by ``UnitTree.covers``.

``POLICY`` says who may use each route; a route the app serves that has no entry fails
``test_every_route_has_an_access_rule``. Actions follow the engine's rule: a role named by
the transition, from a unit that covers the case, in the transition's source state. A
refused request changes nothing: every probe compares the database's row counts, row
versions, active users and erasures before and after.

One app on SQLite serves the whole module; each probe uses cases of its own (a shared
case where nothing may change, a fresh one where an action must succeed). Cases reach the
source state of an action through the engine's logged migration between definitions
(``engine.versioning.migrate_cases``), which puts a case in any state in one step.
Signing out runs last, as it ends the shared sessions. The number of collected tests is
the number of combinations checked (see the README).
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from engine.accounts import SYSTEM_ROLES, add_account
from engine.cases import PersonalData, facts_of, fire, load, open_case
from engine.units import UnitTree, level_of, read_csv
from engine.users import USERS as USER_TABLE
from engine.users import Actor, hash_password
from engine.versioning import migrate_cases
from tests.conftest import DEFINITIONS, PUBLISHED_AT, close_store, make_app
from tests.test_api import bearer, create_key
from tests.test_web_admin import token
from tests.test_web_auth import PASSWORD, sign_in
from web.cli import cli
from web.extensions import app_store
from workflow.definition import Definition, FieldType, StateKind, TransitionKind, UnitLevel
from workflow.loader import load_file
from workflow.machine import machine_for

WIB = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2024, 6, 3, 9, 0, tzinfo=WIB)
"""Monday 3 June 2024, 09:00 WIB: every in-person channel of the 2024 instruction is open."""
SATURDAY_SESSION = dt.datetime(2024, 6, 1, 9, 0, tzinfo=WIB)
"""Inside the 2017 instruction's Saturday session, for complaints typed in afterwards."""

D2024 = "inwalkot-jaksel-e-0006-2024"
D2017 = "ingub-135-2017"
SHIPPED = {d.id: d for d in (load_file(p) for p in sorted(DEFINITIONS.glob("*.yaml")))}

DKI = "31"
JAKPUS = "31.71"
JAKSEL = "31.74"
TEBET = "31.74.01"
TEBET_TIMUR = "31.74.01.1001"
TEBET_BARAT = "31.74.01.1002"
SETIABUDI = "31.74.02"
SDSDA = "31.74.SDSDA"
SDBM = "31.74.SDBM"
BAG_KTPP = "31.74.BAG-KTPP"
BAG_PEM = "31.74.BAG-PEM"
PAMJAYA = "31.BUMD-PAMJAYA"
JAKPRO = "31.BUMD-JAKPRO"

HOME = {
    UnitLevel.provinsi: DKI,
    UnitLevel.kota: JAKSEL,
    UnitLevel.kecamatan: TEBET,
    UnitLevel.kelurahan: TEBET_TIMUR,
    UnitLevel.bagian: BAG_KTPP,
    UnitLevel.agency: SDSDA,
    UnitLevel.bumd: PAMJAYA,
}
"""Where the user of a role sits, by the role's level."""

CASE_UNITS = (
    TEBET_TIMUR,
    TEBET_BARAT,
    TEBET,
    SETIABUDI,
    JAKSEL,
    JAKPUS,
    DKI,
    SDSDA,
    SDBM,
    BAG_KTPP,
    BAG_PEM,
    PAMJAYA,
    JAKPRO,
)
"""Where cases are put: for each user, the first unit of each relation is used."""
KECAMATAN_UNITS = (TEBET, SETIABUDI)
KOTA_UNITS = (JAKSEL, JAKPUS)


def _tree() -> UnitTree:
    """The shipped unit tree, read from its CSV files (the app loads the same rows)."""
    names: dict[str, str] = {}
    levels: dict[str, UnitLevel] = {}
    parents: dict[str, str | None] = {}
    children: dict[str, list[str]] = {}
    for row in read_csv():
        code = str(row["code"])
        names[code], levels[code], parents[code] = (
            str(row["name"]),
            level_of(str(row["level"])),
            row["parent"],
        )
        if row["parent"]:
            children.setdefault(str(row["parent"]), []).append(code)
    return UnitTree(names, levels, parents, children)


TREE = _tree()


def _role_levels() -> dict[str, UnitLevel]:
    levels: dict[str, UnitLevel] = {}
    for definition in SHIPPED.values():
        for name, spec in definition.roles.items():
            assert levels.setdefault(name, spec.level) is spec.level, name
    return dict(sorted(levels.items()))


ROLE_LEVELS = _role_levels()
ANONYMOUS = "anonim"
CLIENT = "klien"
"""An API key bound to no user (a kiosk or a citizens' app)."""
USERS = {role: HOME[level] for role, level in ROLE_LEVELS.items()} | {
    role: DKI for role in sorted(SYSTEM_ROLES)
}
"""Each role's user (named after the role) and the unit they sit in."""
WEB_CALLERS = (ANONYMOUS, *USERS)
API_CALLERS = (*WEB_CALLERS, CLIENT)


class Relation(StrEnum):
    """Where a case (or a unit asked about) stands to the caller's unit."""

    OWN = "own"
    PARENT = "parent"
    """The caller sits in a unit above the case's (Tebet for a case of Tebet Timur)."""
    CHILD = "child"
    """The caller sits in a unit below the case's (Tebet Timur for a case of Tebet)."""
    OTHER = "other"
    """Neither: a sibling (Setiabudi for Tebet) or another branch of the tree."""
    RECEIVED = "received"
    """The case was received in the caller's unit and rerouted to another city's agency."""
    NONE = "none"
    """The caller has no unit: anonymous, or a client key."""


ELSEWHERE = "31.71.SDLH"
"""Where a case received in South Jakarta is rerouted to: Jakarta Pusat's Suku Dinas."""


def origin_of(who: str, rel: str, unit: str) -> str:
    """Where the case of a placement was received (the caller's unit for RECEIVED)."""
    return USERS[who] if rel == Relation.RECEIVED else unit


def relation(caller_unit: str, case_unit: str) -> Relation:
    if caller_unit == case_unit:
        return Relation.OWN
    if TREE.covers(caller_unit, case_unit):
        return Relation.PARENT
    if TREE.covers(case_unit, caller_unit):
        return Relation.CHILD
    return Relation.OTHER


def placements(
    who: str, units: tuple[str, ...], *, received: bool = False
) -> list[tuple[Relation, str]]:
    """For each relation the caller can have to one of ``units``, the first such unit;
    with ``received``, also a case received in the caller's unit (for callers in South
    Jakarta, where the disposing officer sits) and handled ``ELSEWHERE``."""
    if who not in USERS:
        return [(Relation.NONE, units[0])]
    found: dict[Relation, str] = {}
    for unit in units:
        found.setdefault(relation(USERS[who], unit), unit)
    if received and TREE.covers(JAKSEL, USERS[who]):
        found[Relation.RECEIVED] = ELSEWHERE
    return sorted(found.items())


def is_officer(who: str) -> bool:
    return who in ROLE_LEVELS


def is_staff(who: str) -> bool:
    return who in SYSTEM_ROLES


def covers(who: str, unit: str) -> bool:
    return who in USERS and TREE.covers(USERS[who], unit)


# -- the policy ---------------------------------------------------------------------------


class Access(StrEnum):
    """Who may use a route; ``expected`` turns it into a status for a caller and a unit."""

    PUBLIC = "everyone, signed in or not"
    SIGNED_IN = "every signed-in user"
    SIGNED_IN_COVERING = "administrators and auditors; officers for units they cover"
    OFFICER = "officers (a role of a definition)"
    OFFICER_COVERING = "officers whose unit covers the case"
    OFFICER_RECEIVED_OR_COVERING = "officers covering the case or the unit that received it"
    OFFICER_INTAKE = "officers receiving on an in-person channel, for units they cover"
    OFFICER_ACTION = "officers named by the transition, covering the case (action matrix)"
    AUDITOR = "auditors and administrators"
    ADMIN = "administrators"
    API_PUBLIC = "everyone"
    API_ANY_KEY = "any API key or session"
    API_USER = "a user's key or session"
    API_COVERING = "administrators and auditors; officers covering the case or unit"
    API_ACTION = "officers named by the transition, covering the case (action matrix)"
    OPEN311_KEY = "any api_key"
    NOWHERE = "no one: 404"


class Scope(StrEnum):
    NONE = "none"
    CASE = "case"
    UNIT = "unit"
    KECAMATAN = "kecamatan"
    KOTA = "kota"


class Body(StrEnum):
    NONE = "none"
    CSRF = "csrf"
    SIGN_IN = "sign-in"
    SIGN_OUT = "sign-out"
    CITIZEN = "citizen"
    CITIZEN_RECEIPT = "citizen-receipt"
    INTAKE = "intake"
    ADD_USER = "add-user"
    PASSWORD = "password"
    ERASE = "erase"
    UPLOAD = "upload"
    ANCHOR = "anchor"
    API_INTAKE = "api-intake"
    OPEN311 = "open311"


@dataclass(frozen=True)
class Route:
    access: Access
    path: str
    """With ``{number}`` (a case of the scope's unit) and ``{unit}`` filled in."""
    scope: Scope = Scope.NONE
    ok: int = 200
    body: Body = Body.NONE


SERVICE = f"{D2024}:kebersihan"
_UNKNOWN_METHODS = ("DELETE", "GET", "PATCH", "POST", "PUT")

POLICY: dict[tuple[str, str], Route] = {
    ("home.index", "GET"): Route(Access.PUBLIC, "/"),
    ("auth.sign_in", "GET"): Route(Access.PUBLIC, "/masuk"),
    ("auth.sign_in", "POST"): Route(Access.PUBLIC, "/masuk", body=Body.SIGN_IN),
    ("auth.sign_out", "POST"): Route(Access.SIGNED_IN, "/keluar", ok=302, body=Body.SIGN_OUT),
    ("citizen.file", "GET"): Route(Access.PUBLIC, "/adukan"),
    ("citizen.file", "POST"): Route(Access.PUBLIC, "/adukan", ok=302, body=Body.CITIZEN),
    ("citizen.receipt", "GET"): Route(
        Access.PUBLIC, "/adukan/tanda-terima", body=Body.CITIZEN_RECEIPT
    ),
    ("citizen.track_form", "GET"): Route(Access.PUBLIC, "/lacak"),
    ("citizen.track", "GET"): Route(Access.PUBLIC, "/lacak/{number}", Scope.CASE),
    ("officer.inbox", "GET"): Route(Access.OFFICER, "/petugas/"),
    ("officer.intake", "GET"): Route(Access.OFFICER, "/petugas/pengaduan-baru"),
    ("officer.intake", "POST"): Route(
        Access.OFFICER_INTAKE, "/petugas/pengaduan-baru", Scope.UNIT, 302, Body.INTAKE
    ),
    ("officer.case", "GET"): Route(Access.OFFICER_COVERING, "/petugas/kasus/{number}", Scope.CASE),
    ("officer.receipt", "GET"): Route(
        Access.OFFICER_RECEIVED_OR_COVERING, "/petugas/tanda-terima/{number}", Scope.CASE
    ),
    ("officer.act", "POST"): Route(Access.OFFICER_ACTION, "/petugas/kasus/{number}/aksi/{trigger}"),
    ("admin.definitions", "GET"): Route(Access.ADMIN, "/admin/definisi"),
    ("admin.version", "GET"): Route(Access.ADMIN, f"/admin/definisi/{D2024}/1"),
    ("admin.upload", "GET"): Route(Access.ADMIN, f"/admin/definisi/unggah?dari={D2024}@1"),
    ("admin.upload", "POST"): Route(
        Access.ADMIN, "/admin/definisi/unggah", ok=303, body=Body.UPLOAD
    ),
    ("admin.personal_data", "GET"): Route(Access.ADMIN, "/admin/data-pribadi"),
    ("admin.erase", "POST"): Route(Access.ADMIN, "/admin/data-pribadi", ok=303, body=Body.ERASE),
    ("admin.users", "GET"): Route(Access.ADMIN, "/admin/pengguna"),
    ("admin.add_user", "POST"): Route(Access.ADMIN, "/admin/pengguna", ok=303, body=Body.ADD_USER),
    ("admin.deactivate", "POST"): Route(
        Access.ADMIN, "/admin/pengguna/sasaran/nonaktifkan", ok=303, body=Body.CSRF
    ),
    ("admin.activate", "POST"): Route(
        Access.ADMIN, "/admin/pengguna/sasaran/aktifkan", ok=303, body=Body.CSRF
    ),
    ("admin.change_password", "POST"): Route(
        Access.ADMIN, "/admin/pengguna/sasaran/sandi", ok=303, body=Body.PASSWORD
    ),
    ("admin.units", "GET"): Route(Access.ADMIN, "/admin/unit"),
    ("auditor.index", "GET"): Route(Access.AUDITOR, "/audit/"),
    ("auditor.verify", "POST"): Route(Access.AUDITOR, "/audit/verifikasi", body=Body.CSRF),
    ("auditor.take_anchor", "POST"): Route(Access.AUDITOR, "/audit/jangkar", body=Body.CSRF),
    ("auditor.check_anchor", "POST"): Route(
        Access.AUDITOR, "/audit/jangkar/periksa", body=Body.ANCHOR
    ),
    ("auditor.case", "GET"): Route(Access.AUDITOR, "/audit/kasus/{number}", Scope.CASE),
    ("auditor.case_json", "GET"): Route(Access.AUDITOR, "/audit/kasus/{number}.json", Scope.CASE),
    ("auditor.case_csv", "GET"): Route(Access.AUDITOR, "/audit/kasus/{number}.csv", Scope.CASE),
    ("monitoring.index", "GET"): Route(
        Access.SIGNED_IN_COVERING, "/pemantauan/?unit={unit}", Scope.UNIT
    ),
    ("monitoring.overdue", "GET"): Route(
        Access.SIGNED_IN_COVERING, "/pemantauan/terlambat?unit={unit}", Scope.UNIT
    ),
    ("monitoring.choose_kecamatan", "GET"): Route(
        Access.SIGNED_IN, f"/pemantauan/kecamatan?kode={TEBET}", ok=302
    ),
    ("monitoring.kecamatan", "GET"): Route(
        Access.SIGNED_IN_COVERING, "/pemantauan/kecamatan/{unit}", Scope.KECAMATAN
    ),
    ("monitoring.choose_city", "GET"): Route(
        Access.SIGNED_IN, f"/pemantauan/kota?kode={JAKSEL}", ok=302
    ),
    ("monitoring.city", "GET"): Route(
        Access.SIGNED_IN_COVERING, "/pemantauan/kota/{unit}", Scope.KOTA
    ),
    ("api.openapi_document", "GET"): Route(Access.API_PUBLIC, "/api/v1/openapi.json"),
    ("api.list_definitions", "GET"): Route(Access.API_ANY_KEY, "/api/v1/definitions"),
    ("api.get_definition", "GET"): Route(Access.API_ANY_KEY, f"/api/v1/definitions/{D2024}/1"),
    ("api.get_diagram", "GET"): Route(Access.API_ANY_KEY, f"/api/v1/definitions/{D2024}/1/diagram"),
    ("api.create_case", "POST"): Route(
        Access.API_ANY_KEY, "/api/v1/cases", ok=201, body=Body.API_INTAKE
    ),
    ("api.list_cases", "GET"): Route(Access.API_USER, "/api/v1/cases"),
    ("api.get_case", "GET"): Route(Access.API_COVERING, "/api/v1/cases/{number}", Scope.CASE),
    ("api.get_history", "GET"): Route(
        Access.API_COVERING, "/api/v1/cases/{number}/history", Scope.CASE
    ),
    ("api.get_status", "GET"): Route(
        Access.API_ANY_KEY, "/api/v1/cases/{number}/status", Scope.CASE
    ),
    ("api.take_action", "POST"): Route(
        Access.API_ACTION, "/api/v1/cases/{number}/actions/{trigger}"
    ),
    ("api.monitoring_report", "GET"): Route(
        Access.API_COVERING, "/api/v1/reports/monitoring?unit={unit}", Scope.UNIT
    ),
    ("api.kecamatan_report", "GET"): Route(
        Access.API_COVERING, "/api/v1/reports/kecamatan/{unit}?week=2024-06-03", Scope.KECAMATAN
    ),
    ("api.city_report", "GET"): Route(
        Access.API_COVERING,
        "/api/v1/reports/city/{unit}?from=2024-06-01&to=2024-06-08",
        Scope.KOTA,
    ),
    ("open311.discovery", "GET"): Route(Access.API_PUBLIC, "/open311/v2/discovery.json"),
    ("open311.list_services", "GET"): Route(Access.API_PUBLIC, "/open311/v2/services.xml"),
    ("open311.service_definition", "GET"): Route(
        Access.API_PUBLIC, f"/open311/v2/services/{SERVICE}.json"
    ),
    ("open311.list_requests", "GET"): Route(Access.API_PUBLIC, "/open311/v2/requests.json"),
    ("open311.get_request", "GET"): Route(
        Access.API_PUBLIC, "/open311/v2/requests/{number}.json", Scope.CASE
    ),
    ("open311.create_request", "POST"): Route(
        Access.OPEN311_KEY, "/open311/v2/requests.json", ok=201, body=Body.OPEN311
    ),
    ("open311.openapi_document", "GET"): Route(Access.API_PUBLIC, "/open311/v2/openapi.json"),
    **{
        ("api.unknown", method): Route(Access.NOWHERE, "/api/v1/no-such-thing", ok=404)
        for method in _UNKNOWN_METHODS
    },
    **{
        ("open311.unknown", method): Route(Access.NOWHERE, "/open311/v2/no-such-thing", ok=404)
        for method in _UNKNOWN_METHODS
    },
}
"""Every route the app serves (but ``static``), by endpoint and method, and who may use it."""

API_ACCESS = {
    Access.API_PUBLIC,
    Access.API_ANY_KEY,
    Access.API_USER,
    Access.API_COVERING,
    Access.API_ACTION,
    Access.OPEN311_KEY,
    Access.NOWHERE,
}
SCOPE_UNITS = {
    Scope.NONE: (TEBET_TIMUR,),
    Scope.CASE: CASE_UNITS,
    Scope.UNIT: CASE_UNITS,
    Scope.KECAMATAN: KECAMATAN_UNITS,
    Scope.KOTA: KOTA_UNITS,
}


def intake_channel(role: str) -> tuple[Definition, str] | None:
    """The in-person channel a role receives on (the 2024 instruction's first)."""
    for definition_id in (D2024, D2017):
        definition = SHIPPED[definition_id]
        for name, channel in definition.channels.items():
            if channel.kind == "in_person" and role in channel.roles:
                return definition, name
    return None


def expected(route: Route, who: str, unit: str, origin: str) -> int:
    """The status ``who`` must get from ``route`` for a case (or unit) at ``unit``,
    received at ``origin``. Officers read, through the API, the cases handled by or
    received at the units they cover; the case page is for the units handling it."""
    access = route.access
    if access in (Access.PUBLIC, Access.API_PUBLIC, Access.NOWHERE):
        return route.ok
    if access in API_ACCESS:
        if who == ANONYMOUS:
            return 403 if access is Access.OPEN311_KEY else 401
        if access in (Access.API_ANY_KEY, Access.OPEN311_KEY):
            return route.ok
        if who == CLIENT:
            return 403
        if access is Access.API_USER or is_staff(who):
            return route.ok
        return route.ok if covers(who, unit) or covers(who, origin) else 403
    if who == ANONYMOUS:
        return 302
    allowed = {
        Access.SIGNED_IN: True,
        Access.SIGNED_IN_COVERING: is_staff(who) or covers(who, unit),
        Access.OFFICER: is_officer(who),
        Access.OFFICER_COVERING: is_officer(who) and covers(who, unit),
        Access.OFFICER_RECEIVED_OR_COVERING: is_officer(who)
        and (covers(who, unit) or covers(who, origin)),
        Access.OFFICER_INTAKE: is_officer(who),
        Access.AUDITOR: is_staff(who),
        Access.ADMIN: who == "admin",
    }[access]
    if not allowed:
        return 403
    if access is Access.OFFICER_INTAKE:
        if intake_channel(who) is None:
            return 200  # the page says there is nothing this role receives
        return route.ok if covers(who, unit) else 422
    return route.ok


ALL_ROUTE_CASES = [
    pytest.param(endpoint, method, who, rel, unit, id=f"{endpoint}-{method}-{who}-{rel}")
    for (endpoint, method), route in POLICY.items()
    if route.access not in (Access.OFFICER_ACTION, Access.API_ACTION)
    for who in (API_CALLERS if route.access in API_ACCESS else WEB_CALLERS)
    for rel, unit in (
        placements(who, SCOPE_UNITS[route.scope], received=route.scope is Scope.CASE)
        if route.scope is not Scope.NONE
        else [(Relation.NONE, TEBET_TIMUR)]
    )
]

ROUTE_CASES = [p for p in ALL_ROUTE_CASES if p.values[0] != "auth.sign_out"]
SESSION_ROUTE_CASES = [
    pytest.param(*p.values, id=f"{p.id}-session")
    for p in ROUTE_CASES
    if POLICY[p.values[0], p.values[1]].access in API_ACCESS and p.values[2] in USERS
]
"""The API's routes again for every signed-in user, with the UI's session cookie instead
of a key: the API takes either, and must scope both alike."""
SIGN_OUT_CASES = [p for p in ALL_ROUTE_CASES if p.values[0] == "auth.sign_out"]
"""Signing out ends the shared clients' sessions: it runs last (see the end)."""


# -- actions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    definition: str
    trigger: str
    source: str
    roles: tuple[str, ...]


ACTIONS = [
    Action(definition.id, t.trigger, source, t.roles)
    for definition in SHIPPED.values()
    for t in definition.transitions
    if t.kind is TransitionKind.manual
    for source in t.source
]
"""Every manual transition of both shipped definitions, once per source state."""

ACTION_CASES = [
    pytest.param(
        action,
        via,
        who,
        rel,
        unit,
        id=f"{action.definition}-{action.trigger}-{action.source}-{via}-{who}-{rel}",
    )
    for action in ACTIONS
    for via in ("web", "api", "api-session")
    for who in {"web": WEB_CALLERS, "api": API_CALLERS, "api-session": WEB_CALLERS}[via]
    for rel, unit in placements(who, CASE_UNITS, received=True)
]


def allowed_to_act(action: Action, who: str, unit: str) -> bool:
    return who in action.roles and covers(who, unit)


def wrong_states() -> list[Any]:
    """Each manual trigger from every state it does not leave (gateways aside), tried by a
    role the trigger names, on a case of the role's own unit."""
    found = []
    for definition in SHIPPED.values():
        machine = machine_for(definition)
        triggers = {
            t.trigger: t.roles for t in definition.transitions if t.kind is TransitionKind.manual
        }
        for trigger, roles in triggers.items():
            for state, spec in definition.states.items():
                if spec.kind is StateKind.gateway:
                    continue
                if any(
                    t.kind is TransitionKind.manual
                    for t in machine.transitions_from(state, trigger)
                ):
                    continue
                for via in ("web", "api"):
                    found.append(
                        pytest.param(
                            Action(definition.id, trigger, state, roles),
                            via,
                            roles[0],
                            id=f"{definition.id}-{trigger}-{state}-{via}",
                        )
                    )
    return found


# -- the world: one app, its users, clients, keys and cases ---------------------------------


class World:
    """One initialised app on SQLite, a user per role, their clients and keys."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.store = app_store(app)
        self.tree = self.store.tree()
        self._clients: dict[str, FlaskClient] = {}
        self._tokens: dict[str, str] = {}
        self._shared: dict[tuple[str, str, str, str], str] = {}
        self._serial = itertools.count(1)
        self.keys: dict[str, str] = {CLIENT: create_key(app, "kiosk")}
        # One Argon2 hash of the shared password for every user: hashing takes a good part
        # of a second, and signing in verifies it the real way.
        digest = hash_password(PASSWORD)
        with self.store.write() as conn:
            for who, unit in [*USERS.items(), ("sasaran", TEBET_TIMUR)]:
                role = "lurah" if who == "sasaran" else who
                add_account(conn, self.tree, name=who, role=role, unit_code=unit, password=None)
            conn.execute(sa.update(USER_TABLE).values(password_hash=digest))
        for who in USERS:
            self.keys[who] = create_key(app, f"kunci-{who}", who)

    def serial(self) -> int:
        return next(self._serial)

    def new_client(self, who: str) -> FlaskClient:
        """A browser of its own address (sign-in throttling counts per address)."""
        client = self.app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.{self.serial() // 250}.{self.serial() % 250}.1"
        if who in USERS:
            assert sign_in(client, who) == "/", who
        return client

    def client(self, who: str) -> FlaskClient:
        if who not in self._clients:
            self._clients[who] = self.new_client(who)
        return self._clients[who]

    def csrf(self, who: str) -> str:
        if who not in self._tokens:
            self._tokens[who] = token(self.client(who), "/" if who in USERS else "/masuk")
        return self._tokens[who]

    def headers(self, who: str) -> dict[str, str]:
        return bearer(self.keys[who]) if who in self.keys else {}

    # cases

    def case(
        self,
        definition: str,
        state: str,
        unit: str,
        origin: str | None = None,
        *,
        shared: bool = True,
    ) -> str:
        """A case of ``definition`` in ``state`` at ``unit``, received at ``origin``
        (``unit`` by default): the shared one (for requests that must change nothing) or
        a fresh one."""
        origin = origin or unit
        key = (definition, state, unit, origin)
        if shared and key in self._shared:
            number = self._shared[key]
            if self.row(number)[:1] == (state,):
                return number
        number = self._open(origin)
        if origin != unit:  # disposed of by South Jakarta's Setko officer
            with self.store.write() as conn:
                fire(
                    conn,
                    self.tree,
                    number=number,
                    trigger="disposisi",
                    actor=Actor("petugas_setko", "petugas_setko", JAKSEL),
                    fields={"unit_tujuan": unit},
                    now=NOW,
                )
        if definition == D2017 or state != SHIPPED[D2024].start_state or origin != unit:
            if definition == D2024:
                self._migrate(number, D2017, SHIPPED[D2017].start_state)
            self._migrate(number, definition, state)
        if shared:
            self._shared[key] = number
        return number

    def _open(self, unit: str) -> str:
        with self.store.write() as conn:
            receipt = open_case(
                conn,
                self.tree,
                definition_ref=f"{D2024}@1",
                unit_code=unit,
                channel="elektronik",
                title=f"Saluran air tersumbat {self.serial()}",
                category="banjir dan saluran air",
                now=NOW,
                complainant=PersonalData(name="Siti Rahmawati", phone="081234567890"),
            )
        return receipt.number

    def _migrate(self, number: str, definition: str, state: str) -> None:
        with self.store.write() as conn:
            current = load(conn, number).state
            migrate_cases(
                conn,
                numbers=[number],
                target_ref=f"{definition}@1",
                mapping={current: state},
                actor=Actor("admin", "admin", DKI),
                now=NOW,
            )

    def row(self, number: str) -> tuple[str, int, str]:
        """The case's state, row version and unit."""
        with self.store.read() as conn:
            case = load(conn, number)
        return case.state, case.row_version, case.unit_code

    def fingerprint(self) -> tuple[int, ...]:
        """What any write changes: rows of every table a request writes, the cases' row
        versions, the active users and the erased complainants."""
        with self.store.read() as conn:
            return tuple(int(n) for n in conn.exec_driver_sql(FINGERPRINT).one())


FINGERPRINT = "SELECT " + ", ".join(
    f"({query})"
    for query in (
        "SELECT count(*) FROM case_file",
        "SELECT coalesce(sum(row_version), 0) FROM case_file",
        "SELECT count(*) FROM event",
        "SELECT count(*) FROM complainant",
        "SELECT count(*) FROM complainant WHERE erased_at IS NOT NULL",
        "SELECT count(*) FROM user_account",
        "SELECT count(*) FROM user_account WHERE active",
        "SELECT count(*) FROM api_key",
        "SELECT count(*) FROM definition_version",
    )
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp: Path = tmp_path_factory.mktemp("matrix")
    app = make_app(f"sqlite:///{tmp / 'diktum.sqlite'}", tmp)
    app.config["WTF_CSRF_ENABLED"] = True
    app.config["NOW"] = NOW.isoformat()
    result = app.test_cli_runner().invoke(cli, ["init", "--now", PUBLISHED_AT.isoformat()])
    assert result.exit_code == 0, result.output
    yield World(app)
    close_store(app)


# -- requests -----------------------------------------------------------------------------


def field_values(definition: Definition, names: tuple[str, ...]) -> dict[str, Any]:
    """A valid value for each named field, as the engine takes it."""
    values: dict[str, Any] = {}
    for name in names:
        spec = definition.fields[name]
        values[name] = {
            FieldType.bool: True,
            FieldType.unit: SDSDA,
            FieldType.int: 1,
            FieldType.number: 1.5,
            FieldType.date: "2024-06-03",
            FieldType.choice: (spec.choices or ("",))[0],
        }.get(spec.type, "Catatan uji matriks otorisasi")
    return values


def web_fields(values: dict[str, Any]) -> dict[str, Any]:
    return {
        f"f_{name}": ("ya" if value else "tidak") if isinstance(value, bool) else value
        for name, value in values.items()
    }


def send(
    world: World,
    route: Route,
    method: str,
    who: str,
    unit: str,
    origin: str,
    session: bool = False,
) -> TestResponse:
    """The request of ``route``, made as ``who`` about a case or unit at ``unit``; on the
    APIs with ``who``'s key, or with ``session`` their signed-in session instead."""
    path = route.path.replace("{unit}", unit)
    if "{number}" in path:
        path = path.replace("{number}", world.case(D2024, "diterima", unit, origin))
    if route.access in API_ACCESS and not session:
        client, headers = world.client(ANONYMOUS), world.headers(who)
    else:
        client, headers = world.client(who), {}
    kw: dict[str, Any] = {"headers": headers}
    body = route.body
    if body in (Body.CSRF, Body.SIGN_OUT):
        kw["data"] = {"csrf_token": world.csrf(who)}
    elif body is Body.SIGN_IN:
        kw["data"] = {"name": "tidak-ada", "password": "salah", "csrf_token": world.csrf(who)}
    elif body in (Body.CITIZEN, Body.CITIZEN_RECEIPT):
        form = {
            "csrf_token": world.csrf(who),
            "definition": D2024,
            "title": "Sampah menumpuk",
            "category": "kebersihan",
            "unit": TEBET_TIMUR,
        }
        if body is Body.CITIZEN_RECEIPT:
            filed = client.post("/adukan", data=form)
            assert filed.status_code == 302, filed.get_data(as_text=True)
        else:
            kw["data"] = form
    elif body is Body.INTAKE:
        kw["data"] = intake_form(world, who, unit)
    elif body is Body.ADD_USER:
        kw["data"] = {
            "csrf_token": world.csrf(who),
            "name": f"baru_{world.serial()}",
            "role": "lurah",
            "unit": TEBET_TIMUR,
            "password": PASSWORD,
        }
    elif body is Body.PASSWORD:
        kw["data"] = {"csrf_token": world.csrf(who), "password": PASSWORD}
    elif body is Body.ERASE:
        kw["data"] = {
            "csrf_token": world.csrf(who),
            "number": world.case(D2024, "diterima", TEBET_TIMUR, shared=who != "admin"),
            "reason": "Permintaan pelapor",
            "confirm": "yes",
        }
    elif body is Body.UPLOAD:
        text = (DEFINITIONS / f"{D2024}.v1.yaml").read_text(encoding="utf-8")
        kw["data"] = {"csrf_token": world.csrf(who), "isi": text}  # as published: no change
    elif body is Body.ANCHOR:
        anchor = io.BytesIO(b"# diktum anchor 1 2025-06-02T09:00:00+07:00\n# end 0\n")
        kw["data"] = {"csrf_token": world.csrf(who), "berkas": (anchor, "jangkar.txt")}
    elif body is Body.API_INTAKE:
        kw["json"] = {
            "definition": D2024,
            "unit": TEBET_TIMUR,
            "channel": "elektronik",
            "title": "Saluran air tersumbat",
            "category": "kebersihan",
        }
    elif body is Body.OPEN311:
        kw["data"] = {"service_code": SERVICE, "address_id": TEBET_TIMUR, "description": "Sampah"}
        if who in world.keys and not session:
            kw["data"]["api_key"] = world.keys[who]
    return client.open(path, method=method, **kw)


def intake_form(world: World, who: str, unit: str) -> dict[str, Any]:
    """An in-person complaint at ``unit``, received inside the channel's window."""
    form: dict[str, Any] = {"csrf_token": world.csrf(who), "title": "Jalan berlubang"}
    found = intake_channel(who)
    if found is None:
        return form
    definition, channel = found
    received = NOW if definition.id == D2024 else SATURDAY_SESSION
    form |= {
        "definition": definition.id,
        "channel": channel,
        "unit": unit,
        "category": definition.intake.categories[0],
        "received_at": received.strftime("%Y-%m-%dT%H:%M"),
    }
    form |= web_fields(field_values(definition, definition.intake.fields))
    if definition.intake.fields == ("kelurahan",):
        form["f_kelurahan"] = TEBET_TIMUR
    return form


def check_status(response: TestResponse, status: int, *, to_sign_in: bool) -> None:
    """The status, and for a redirect whether it sends the caller to sign in; a page's
    title is plain text (markup there means a template's blocks are crossed)."""
    body = response.get_data(as_text=True)[:300]
    assert response.status_code == status, body
    if status == 302:
        location = response.headers["Location"]
        assert location.startswith("/masuk") is to_sign_in, location
    if response.mimetype == "text/html" and not response.is_streamed:
        title = TITLE.search(response.get_data(as_text=True))
        assert title is not None and "<" not in title.group(1), title


TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)


# -- the tests ----------------------------------------------------------------------------


def test_every_route_has_an_access_rule(world: World) -> None:
    served = {
        (rule.endpoint, method)
        for rule in world.app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    missing = sorted(served - POLICY.keys())
    assert not missing, f"routes with no access rule in the matrix: {missing}"
    assert not sorted(POLICY.keys() - served), "rules for routes the app does not serve"


def test_the_users_sit_where_the_matrix_puts_them(world: World) -> None:
    assert world.tree.names == TREE.names and world.tree.parents == TREE.parents
    assert set(ROLE_LEVELS) >= {"lurah", "camat", "petugas_setko", "walikota", "sekda"}
    assert placements("camat", CASE_UNITS) == [
        (Relation.CHILD, JAKSEL),
        (Relation.OTHER, SETIABUDI),
        (Relation.OWN, TEBET),
        (Relation.PARENT, TEBET_TIMUR),
    ]
    assert placements("lurah", CASE_UNITS) == [
        (Relation.CHILD, TEBET),
        (Relation.OTHER, TEBET_BARAT),
        (Relation.OWN, TEBET_TIMUR),
    ]


@pytest.mark.parametrize(("endpoint", "method", "who", "rel", "unit"), ROUTE_CASES)
def test_route(world: World, endpoint: str, method: str, who: str, rel: str, unit: str) -> None:
    route = POLICY[(endpoint, method)]
    origin = origin_of(who, rel, unit)
    status = expected(route, who, unit, origin)
    before = world.fingerprint()
    response = send(world, route, method, who, unit, origin)
    to_sign_in = who == ANONYMOUS and route.access is not Access.PUBLIC and status == 302
    check_status(response, status, to_sign_in=to_sign_in)
    if status >= 400 or to_sign_in or route.body is Body.UPLOAD:
        assert world.fingerprint() == before, "a refused request changed the database"


@pytest.mark.parametrize(("endpoint", "method", "who", "rel", "unit"), SESSION_ROUTE_CASES)
def test_api_route_with_a_session(
    world: World, endpoint: str, method: str, who: str, rel: str, unit: str
) -> None:
    route = POLICY[(endpoint, method)]
    origin = origin_of(who, rel, unit)
    # Open311 knows only its api_key: a session is no credential there.
    caller = ANONYMOUS if route.access is Access.OPEN311_KEY else who
    status = expected(route, caller, unit, origin)
    before = world.fingerprint()
    response = send(world, route, method, who, unit, origin, session=True)
    check_status(response, status, to_sign_in=False)
    if status >= 400:
        assert world.fingerprint() == before, "a refused request changed the database"


@pytest.mark.parametrize(("action", "via", "who", "rel", "unit"), ACTION_CASES)
def test_action(world: World, action: Action, via: str, who: str, rel: str, unit: str) -> None:
    allowed = allowed_to_act(action, who, unit)
    origin = origin_of(who, rel, unit)
    number = world.case(action.definition, action.source, unit, origin, shared=not allowed)
    state, version, _ = world.row(number)
    assert state == action.source
    before = world.fingerprint()
    destination = outcome_state(world, action, who, number) if allowed else state
    response = act(world, action, via, who, number, version)
    if allowed:
        check_status(response, 302 if via == "web" else 200, to_sign_in=False)
        assert world.row(number)[:2] == (destination, version + 1)
        return
    if who == ANONYMOUS:
        status = 302 if via == "web" else 401
    elif via != "web" or not is_officer(who) or not covers(who, unit):
        status = 403
    else:
        status = 422  # the engine refuses the role: the case page says why
    check_status(response, status, to_sign_in=who == ANONYMOUS)
    assert world.fingerprint() == before, "a refused action changed the database"
    assert world.row(number)[:2] == (state, version)


@pytest.mark.parametrize(("action", "via", "who"), wrong_states())
def test_an_action_is_refused_outside_its_source_states(
    world: World, action: Action, via: str, who: str
) -> None:
    number = world.case(action.definition, action.source, USERS[who])
    state, version, _ = world.row(number)
    before = world.fingerprint()
    response = act(world, action, via, who, number, version)
    check_status(response, 422 if via == "web" else 403, to_sign_in=False)
    assert world.fingerprint() == before
    assert world.row(number)[:2] == (state, version)


def act(
    world: World, action: Action, via: str, who: str, number: str, version: int
) -> TestResponse:
    definition = SHIPPED[action.definition]
    transition = next(
        t
        for t in definition.transitions
        if t.trigger == action.trigger and t.kind is TransitionKind.manual
    )
    values = field_values(definition, (*transition.fields, *transition.optional))
    if via != "web":  # with the user's key, or ("api-session") their signed-in session
        session = via == "api-session"
        return world.client(who if session else ANONYMOUS).post(
            f"/api/v1/cases/{number}/actions/{action.trigger}",
            json={"expected_version": version, "fields": values},
            headers={} if session else world.headers(who),
        )
    data = {"csrf_token": world.csrf(who), "expected_version": version, **web_fields(values)}
    return world.client(who).post(f"/petugas/kasus/{number}/aksi/{action.trigger}", data=data)


def outcome_state(world: World, action: Action, who: str, number: str) -> str:
    """Where the machine takes the case from its current row (automatic steps included)."""
    definition = SHIPPED[action.definition]
    transition = next(t for t in definition.transitions if t.trigger == action.trigger)
    with world.store.read() as conn:
        case = load(conn, number)
    outcome = machine_for(definition).fire(
        case.state,
        action.trigger,
        data=case.data,
        role=who,
        facts=facts_of(world.tree, case),
        supplied=field_values(definition, (*transition.fields, *transition.optional)),
    )
    return outcome.state


@pytest.mark.parametrize(("endpoint", "method", "who", "rel", "unit"), SIGN_OUT_CASES)
def test_signing_out_last(
    world: World, endpoint: str, method: str, who: str, rel: str, unit: str
) -> None:
    """The route matrix for ``/keluar``, after every other test has used the sessions."""
    test_route(world, endpoint, method, who, rel, unit)
    assert world.client(who).get("/petugas/").headers["Location"].startswith("/masuk")
