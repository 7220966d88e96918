"""Commands for officers, the scheduler and auditors: cases, ticks, replay."""

from __future__ import annotations

import datetime as dt
import sys
from typing import BinaryIO

import click
from flask.cli import AppGroup, with_appcontext

from engine import anchors, reports
from engine import cases as case_ops
from engine.privacy import erase_personal_data
from engine.replay import replay as replay_case
from engine.replay import verify_all
from engine.tick import tick as run_tick
from engine.users import get_actor
from engine.versioning import migrate_cases
from engine.views import case_detail
from web.clitools import (
    EXIT_AUDIT,
    emit,
    handled,
    json_option,
    now_option,
    parse_fields,
    parse_instant,
    store,
)


@click.group(cls=AppGroup)
def case() -> None:
    """Complaints: open, act, show."""


@case.command("open")
@click.option("--definition", "definition_ref", required=True, help="ID or ID@VERSION.")
@click.option("--unit", "unit_code", required=True, help="The unit the case belongs to.")
@click.option("--channel", required=True)
@click.option("--title", required=True)
@click.option("--description", default="")
@click.option("--category")
@click.option("--received-at", help="ISO 8601; when an in-person complaint was received.")
@click.option("--user", "user_name", help="The receiving officer (in-person channels).")
@click.option("--field", "field_pairs", multiple=True, help="k=v, repeatable.")
@click.option("--name", "person_name", help="The complainant's name (kept private).")
@click.option("--phone", help="The complainant's phone (kept private).")
@click.option("--email", help="The complainant's e-mail (kept private).")
@click.option("--address", help="The complainant's address (kept private).")
@click.option("--confidential", is_flag=True, help="Identity known to officers only.")
@json_option
@now_option
@handled
def case_open(
    definition_ref: str,
    unit_code: str,
    channel: str,
    title: str,
    description: str,
    category: str | None,
    received_at: str | None,
    user_name: str | None,
    field_pairs: tuple[str, ...],
    person_name: str | None,
    phone: str | None,
    email: str | None,
    address: str | None,
    confidential: bool,
    as_json: bool,
    now: dt.datetime,
) -> None:
    """Take in a complaint and print its receipt. Without a name it is anonymous."""
    db = store()
    person = case_ops.PersonalData(
        name=person_name,
        phone=phone,
        email=email,
        address=address,
        anonymous=not (person_name or phone or email or address),
        confidential=confidential,
    )
    received = parse_instant(received_at, "--received-at") if received_at else None
    fields = parse_fields(field_pairs)
    with db.write() as conn:
        actor = get_actor(conn, user_name) if user_name else None
        receipt = case_ops.open_case(
            conn,
            db.tree(),
            definition_ref=definition_ref,
            unit_code=unit_code,
            channel=channel,
            title=title,
            description=description,
            category=category,
            fields=fields,
            received_at=received,
            now=now,
            actor=actor,
            complainant=person,
        )
    payload = receipt.__dict__ | {"tracking": f"/lacak/{receipt.number}"}
    emit(payload, as_json, f"{receipt.number}\t{receipt.state}\ttrack at /lacak/{receipt.number}")


@case.command("fire")
@click.argument("number")
@click.argument("trigger")
@click.option("--user", "user_name", required=True)
@click.option("--field", "field_pairs", multiple=True, help="k=v, repeatable.")
@click.option("--expect-version", type=int, help="Fail if the case changed since this version.")
@json_option
@now_option
@handled
def case_fire(
    number: str,
    trigger: str,
    user_name: str,
    field_pairs: tuple[str, ...],
    expect_version: int | None,
    as_json: bool,
    now: dt.datetime,
) -> None:
    """Take a manual action on a case as a user."""
    db = store()
    fields = parse_fields(field_pairs)
    with db.write() as conn:
        actor = get_actor(conn, user_name)
        outcome = case_ops.fire(
            conn,
            db.tree(),
            number=number,
            trigger=trigger,
            actor=actor,
            fields=fields,
            expected_version=expect_version,
            now=now,
        )
    steps = [{"trigger": s.trigger, "from": s.source, "to": s.dest} for s in outcome.steps]
    emit(
        {"number": number, "state": outcome.state, "steps": steps},
        as_json,
        " -> ".join([outcome.steps[0].source, *(s.dest for s in outcome.steps)]),
    )


@case.command("show")
@click.argument("number")
@json_option
@handled
def case_show(number: str, as_json: bool) -> None:
    """State, data, actions and history of a case (never the complainant's data)."""
    db = store()
    with db.read() as conn:
        detail = case_detail(conn, db.tree(), number)
    lines = [
        f"{detail['number']}  {detail['state']}  ({detail['definition']}@"
        f"{detail['version']}, unit {detail['unit']})"
    ]
    lines += [
        f"  {h['seq']:>3} {h['at']} {h['trigger']}: {h['from']} -> {h['to']} by {h['actor']}"
        for h in detail["history"]
    ]
    emit(detail, as_json, "\n".join(lines))


@case.command("migrate")
@click.argument("numbers", nargs=-1, required=True)
@click.option("--to", "target", required=True, help="The target version, ID@VERSION.")
@click.option("--map", "pairs", multiple=True, help="old_state=new_state, repeatable.")
@click.option("--user", "user_name", required=True, help="An administrator.")
@json_option
@now_option
@handled
def case_migrate(
    numbers: tuple[str, ...],
    target: str,
    pairs: tuple[str, ...],
    user_name: str,
    as_json: bool,
    now: dt.datetime,
) -> None:
    """Move cases to another definition version through a state mapping (logged)."""
    mapping = parse_fields(pairs, "--map")
    with store().write() as conn:
        moved = migrate_cases(
            conn,
            numbers=list(numbers),
            target_ref=target,
            mapping=mapping,
            actor=get_actor(conn, user_name),
            now=now,
        )
    emit(moved, as_json, "\n".join(f"{m['number']}: {m['from']} -> {m['to']}" for m in moved))


@case.command("erase")
@click.argument("number")
@click.option("--user", "user_name", required=True, help="An administrator.")
@click.option("--reason", required=True, help="Why, e.g. the request's reference (logged).")
@json_option
@now_option
@handled
def case_erase(number: str, user_name: str, reason: str, as_json: bool, now: dt.datetime) -> None:
    """Erase the complainant's personal data on request; the erasure is logged."""
    with store().write() as conn:
        erased = erase_personal_data(
            conn, number=number, actor=get_actor(conn, user_name), reason=reason, now=now
        )
    emit(
        {"number": erased.number, "erased_at": erased.erased_at.isoformat(), "seq": erased.seq},
        as_json,
        f"{erased.number}: personal data erased (event {erased.seq})",
    )


@click.command()
@with_appcontext
@json_option
@now_option
@handled
def tick(as_json: bool, now: dt.datetime) -> None:
    """Run every scheduled firing due up to now, catching up in order; idempotent."""
    report = run_tick(store(), now)
    payload = {
        "now": now,
        "firings": [f.as_dict() for f in report.firings],
        "overdue_flagged": report.overdue_flagged,
        "escalated": report.escalated,
    }
    lines = [
        f"{f.fire_time.isoformat()} {f.definition}@{f.version} {f.trigger}: {f.moved} moved"
        for f in report.firings
    ] or ["nothing due"]
    lines.append(f"overdue flagged: {report.overdue_flagged}, escalated: {report.escalated}")
    emit(payload, as_json, "\n".join(lines))


@click.command()
@with_appcontext
@click.argument("number")
@click.option("--until", help="Replay only events that occurred by this ISO 8601 instant.")
@json_option
@handled
def replay(number: str, until: str | None, as_json: bool) -> None:
    """Rebuild a case from its events; exit 3 when the log and the case disagree."""
    db = store()
    limit = parse_instant(until, "--until") if until else None
    with db.read() as conn:
        verdict = replay_case(conn, db.tree(), number, limit)
    text = [
        f"{s.seq:>3} {s.occurred_at.isoformat()} {s.trigger}: {s.source} -> {s.dest} "
        f"by {s.actor} [{s.diktum or '-'}]"
        for s in verdict.steps
    ]
    text.append("consistent" if verdict.consistent else f"INCONSISTENT: {verdict.reason}")
    emit(verdict.as_dict(), as_json, "\n".join(text))
    if not verdict.consistent:
        sys.exit(EXIT_AUDIT)


@click.group(cls=AppGroup)
def audit() -> None:
    """Checks over the whole event log."""


@audit.command("verify")
@click.option("--limit", default=20, help="How many bad cases to list.")
@json_option
@handled
def audit_verify(limit: int, as_json: bool) -> None:
    """Replay every case; exit 3 when any is inconsistent."""
    db = store()
    checked = events_total = 0
    bad: list[dict[str, object]] = []
    with db.read() as conn:
        for verdict in verify_all(conn, db.tree()):
            checked += 1
            events_total += verdict.events
            if not verdict.consistent and len(bad) < limit:
                bad.append(verdict.as_dict(with_steps=False))
    failed = len(bad)
    payload = {"cases": checked, "events": events_total, "consistent": not bad, "bad": bad}
    lines = [
        f"{checked} cases, {events_total} events: "
        + ("consistent" if not bad else f"{failed} inconsistent")
    ]
    lines += [f"  {b['number']}: {b['reason']}" for b in bad]
    emit(payload, as_json, "\n".join(lines))
    if bad:
        sys.exit(EXIT_AUDIT)


@audit.command("anchor")
@now_option
@handled
def audit_anchor(now: dt.datetime) -> None:
    """Print an anchor of the log (every case's newest event) to keep outside the
    database; publish its SHA-256, printed on stderr, where the database's owners cannot
    edit it. `diktum audit anchor > anchor.txt`."""
    with store().read() as conn:
        root, count = anchors.write(conn, now, sys.stdout.buffer)
    click.echo(f"anchored {count} cases; root (SHA-256 of the anchor): {root}", err=True)


@audit.command("check")
@click.argument("anchor", type=click.File("rb"))
@click.option("--root", help="The root published when the anchor was taken.")
@json_option
@handled
def audit_check(anchor: BinaryIO, root: str | None, as_json: bool) -> None:
    """Check that every event an anchor names is still in the log unchanged; exit 3
    when one is not. With --root, first that the anchor is the one published."""
    with store().read() as conn:
        result = anchors.check(conn, anchor, root)
    lines = [
        f"anchor of {result.taken_at} (root {result.root}): {result.cases} cases, "
        + ("every one still in the log" if result.holds else f"{result.broken} broken")
    ]
    lines += [f"  {f['number']}: {f['problem']}" for f in result.findings]
    if root is None:
        lines.append("note: without --root the anchor vouches only for itself")
    emit(result.as_dict(), as_json, "\n".join(lines))
    if not result.holds:
        sys.exit(EXIT_AUDIT)


@click.group(cls=AppGroup)
def report() -> None:
    """Reports: the Camat's weekly report, the city's report, monitoring."""


@report.command("kecamatan")
@click.argument("code")
@click.option("--week", "week", required=True, help="The Monday the week starts, YYYY-MM-DD.")
@json_option
@handled
def report_kecamatan(code: str, week: str, as_json: bool) -> None:
    """Resolved and unresolved complaints of a kecamatan in a week (2017 KEEMPAT a)."""
    db = store()
    start = parse_instant(week, "--week")
    with db.read() as conn:
        payload = reports.kecamatan_weekly(conn, db.tree(), code, start)
    emit(payload, as_json, _report_text(payload))


@report.command("city")
@click.argument("code")
@click.option("--from", "start", required=True, help="ISO 8601 date or date-time.")
@click.option("--to", "end", required=True, help="ISO 8601 date or date-time (exclusive).")
@json_option
@handled
def report_city(code: str, start: str, end: str, as_json: bool) -> None:
    """The city's report to the Governor through the Sekda (2017 KEEMPAT c)."""
    db = store()
    with db.read() as conn:
        payload = reports.city_report(
            conn, db.tree(), code, parse_instant(start, "--from"), parse_instant(end, "--to")
        )
    emit(payload, as_json, _report_text(payload))


@report.command("monitoring")
@click.option("--unit", "unit_code", help="Only complaints received in this unit's subtree.")
@json_option
@now_option
@handled
def report_monitoring(unit_code: str | None, as_json: bool, now: dt.datetime) -> None:
    """Counts per office, channel, unit and state; ages; overdue (2024 KESATU b)."""
    db = store()
    with db.read() as conn:
        payload = reports.monitoring(conn, db.tree(), now, unit_code)
    emit(payload, as_json, _report_text(payload))


def _report_text(payload: dict[str, object]) -> str:
    lines = []
    for key, value in payload.items():
        if isinstance(value, list):
            lines.append(f"{key}: {len(value)}")
            lines += [f"  {item}" for item in value]
        else:
            lines.append(f"{key}: {value}")
    return "\n".join(lines)
