"""The shipped definitions: they load, cite their clauses, and say what the instructions say.

Each test reads a definition as the engine would (``load_file``) and checks one fact of
Instruksi Gubernur 135/2017 or Instruksi Walikota Jakarta Selatan e-0006/2024 against real
values: windows against a business calendar, schedules against real holidays, conditions
evaluated by the same CEL programs the engine uses.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import DEFINITIONS
from workflow.calendar import BusinessCalendar
from workflow.definition import (
    Definition,
    FieldType,
    HolidayRule,
    OutsideWindow,
    OverdueAction,
    StateKind,
    Transition,
    TransitionKind,
    UnitLevel,
    Weekday,
    Window,
)
from workflow.expressions import compile_condition, context_for
from workflow.loader import load_all, load_file
from workflow.schedule import Firing, next_due, window_open

WIB = ZoneInfo("Asia/Jakarta")
INGUB_2017 = DEFINITIONS / "ingub-135-2017.v1.yaml"
INWALKOT_2024 = DEFINITIONS / "inwalkot-jaksel-e-0006-2024.v1.yaml"
SHIPPED = (INGUB_2017, INWALKOT_2024)
WORKING_WEEK = (Weekday.mon, Weekday.tue, Weekday.wed, Weekday.thu, Weekday.fri)


def wib(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=WIB)


@pytest.fixture(scope="module")
def d2017() -> Definition:
    return load_file(INGUB_2017)


@pytest.fixture(scope="module")
def d2024() -> Definition:
    return load_file(INWALKOT_2024)


@pytest.fixture(scope="module", params=SHIPPED, ids=lambda p: p.name)
def shipped(request: pytest.FixtureRequest) -> Definition:
    return load_file(request.param)


def calendar_of(definition: Definition) -> BusinessCalendar:
    return BusinessCalendar.from_spec(definition.calendar, timezone=definition.timezone)


def only(definition: Definition, trigger: str) -> Transition:
    found = [t for t in definition.transitions if t.trigger == trigger]
    assert len(found) == 1, f"{trigger}: {len(found)} transitions"
    return found[0]


def holds(definition: Definition, t: Transition, data: dict[str, Any], **builtins: Any) -> bool:
    if t.condition is None:
        return True
    context = context_for(definition.fields, data, **builtins)
    return compile_condition(t.condition).evaluate(context)


def branch(definition: Definition, gateway: str, data: dict[str, Any]) -> Transition:
    """The gateway branch taken for ``data``: the first whose condition holds."""
    assert definition.states[gateway].kind is StateKind.gateway
    branches = [
        t
        for t in definition.transitions
        if gateway in t.source and t.kind is TransitionKind.automatic
    ]
    return next(t for t in branches if holds(definition, t, data))


def rung(definition: Definition, state: str, unit_level: str) -> Transition | None:
    """The escalation an overdue case in ``state`` at a unit of ``unit_level`` takes."""
    escalations = [
        t for t in definition.transitions_of(TransitionKind.escalation) if state in t.source
    ]
    return next((t for t in escalations if holds(definition, t, {}, unit_level=unit_level)), None)


# Both definitions


def test_both_shipped_definitions_load_with_their_ids_and_versions() -> None:
    keys = {d.key for d in load_all(sorted(DEFINITIONS.glob("*.yaml")))}
    assert keys == {"ingub-135-2017@1", "inwalkot-jaksel-e-0006-2024@1"}


def test_every_state_transition_and_channel_cites_a_clause_of_its_definition(
    shipped: Definition,
) -> None:
    cited = [
        *(("state", n, s.diktum) for n, s in shipped.states.items()),
        *(("transition", t.trigger, t.diktum) for t in shipped.transitions),
        *(("channel", n, c.diktum) for n, c in shipped.channels.items()),
    ]
    missing = [(kind, name) for kind, name, diktum in cited if diktum not in shipped.diktum]
    assert missing == []
    assert all(text.strip() for text in shipped.diktum.values())


def test_every_state_has_a_lane_held_by_a_declared_role(shipped: Definition) -> None:
    lanes = {name: state.lane for name, state in shipped.states.items()}
    assert all(lane in shipped.roles for lane in lanes.values()), lanes


def test_every_state_a_case_rests_in_tells_the_public_where_it_is(shipped: Definition) -> None:
    resting = {n: s for n, s in shipped.states.items() if s.kind is not StateKind.gateway}
    assert all(state.public and state.public.strip() for state in resting.values())


def test_only_unit_fields_are_public_so_no_free_text_reaches_the_tracking_page(
    shipped: Definition,
) -> None:
    public = {name: spec.type for name, spec in shipped.fields.items() if spec.public}
    assert public and set(public.values()) == {FieldType.unit}


def test_a_scheduled_trigger_has_one_schedule_and_holiday_rule(shipped: Definition) -> None:
    # The engine plans each trigger from its first transition: the others must agree.
    by_trigger: dict[str, set[tuple[Any, Any]]] = {}
    for t in shipped.transitions_of(TransitionKind.scheduled):
        by_trigger.setdefault(t.trigger, set()).add((t.schedule, t.on_holiday))
    assert all(len(rules) == 1 for rules in by_trigger.values()), by_trigger


def test_escalations_leaving_a_state_share_one_trigger(shipped: Definition) -> None:
    # The engine fires the first escalation trigger of an overdue state, so the rungs of a
    # state's ladder are alternatives of that one trigger.
    triggers: dict[str, set[str]] = {}
    for t in shipped.transitions_of(TransitionKind.escalation):
        for state in t.source:
            triggers.setdefault(state, set()).add(t.trigger)
    assert triggers and all(len(names) == 1 for names in triggers.values())


def test_states_that_escalate_when_overdue_have_a_way_up_the_tree(shipped: Definition) -> None:
    escalating = {
        name
        for name, state in shipped.states.items()
        if state.deadline and state.deadline.on_overdue is OverdueAction.escalate
    }
    assert escalating
    for t in shipped.transitions_of(TransitionKind.escalation):
        assert set(t.source) <= escalating
        assert t.escalate_to in (UnitLevel.kecamatan, UnitLevel.kota, UnitLevel.provinsi)


# Instruksi Gubernur 135/2017


def test_2017_basis_is_the_governor_instruction_of_16_november_2017(d2017: Definition) -> None:
    assert d2017.basis.number == "135 Tahun 2017"
    assert d2017.basis.date == dt.date(2017, 11, 16)
    assert "setiap hari Sabtu pada Pukul 08.00 sampai dengan Pukul 11.00" in d2017.diktum["KESATU"]
    assert set(d2017.diktum) == {"KESATU", "KEDUA", "KETIGA", "KEEMPAT a", "KEEMPAT b", "KEEMPAT c"}


def test_2017_intake_is_saturday_0800_to_1100_in_person(d2017: Definition) -> None:
    ((name, channel),) = d2017.channels.items()
    assert name == "langsung_kecamatan"
    assert channel.kind == "in_person"
    assert channel.diktum == "KESATU"
    assert channel.windows == (Window(days=(Weekday.sat,), start="08:00", end="11:00"),)
    calendar = calendar_of(d2017)
    opened = [wib(2024, 6, 8, 8, 0), wib(2024, 6, 8, 10, 59)]
    closed = [
        wib(2024, 6, 8, 7, 59),
        wib(2024, 6, 8, 11, 0),
        wib(2024, 6, 7, 9, 0),  # Friday
        wib(2024, 6, 9, 9, 0),  # Sunday
    ]
    assert [window_open(channel, t, calendar) for t in opened] == [True, True]
    assert [window_open(channel, t, calendar) for t in closed] == [False] * 4


def test_2017_session_is_held_on_a_saturday_that_is_a_public_holiday(d2017: Definition) -> None:
    calendar = calendar_of(d2017)
    independence_day = dt.date(2024, 8, 17)
    assert calendar.is_holiday(independence_day)
    channel = d2017.channels["langsung_kecamatan"]
    assert window_open(channel, wib(2024, 8, 17, 9, 0), calendar)


def test_2017_complaint_after_1100_is_refused_with_an_indonesian_message(
    d2017: Definition,
) -> None:
    channel = d2017.channels["langsung_kecamatan"]
    assert channel.outside_window is OutsideWindow.refuse
    assert "setiap hari Sabtu pukul 08.00 sampai dengan 11.00 WIB" in channel.message
    assert "kanal pengaduan elektronik" in channel.message


def test_2017_every_party_the_camat_brings_in_may_record_a_complaint(d2017: Definition) -> None:
    roles = set(d2017.channels["langsung_kecamatan"].roles)
    assert roles == {
        "petugas_kecamatan",
        "camat",
        "lurah",
        "satpol_pp_kecamatan",
        "sektor_dinas",
        "satuan_pelayanan_dinas",
        "up_ptsp_kecamatan",
    }
    assert {d2017.roles[r].level for r in roles} == {UnitLevel.kecamatan, UnitLevel.kelurahan}


def test_2017_intake_records_the_kelurahan_as_a_unit_at_kelurahan_level(
    d2017: Definition,
) -> None:
    assert "kelurahan" in d2017.intake.fields
    spec = d2017.fields["kelurahan"]
    assert (spec.type, spec.level) == (FieldType.unit, UnitLevel.kelurahan)
    assert {"kebersihan", "jalan dan trotoar", "lainnya"} <= set(d2017.intake.categories)


def test_2017_triage_records_whether_a_case_needs_the_sunday_review(d2017: Definition) -> None:
    triage = only(d2017, "triase")
    assert triage.kind is TransitionKind.manual
    assert triage.source == ("diterima",)
    assert triage.fields == ("needs_field_review",)
    assert d2017.fields["needs_field_review"].type is FieldType.bool
    assert branch(d2017, triage.dest, {"needs_field_review": True}).dest == "menunggu_peninjauan"
    assert (
        branch(d2017, triage.dest, {"needs_field_review": False}).dest == "menunggu_rapat_kecamatan"
    )


def test_2017_sunday_field_review_fires_sunday_0900_even_on_a_holiday(d2017: Definition) -> None:
    review = only(d2017, "peninjauan_minggu")
    assert review.kind is TransitionKind.scheduled
    assert review.diktum == "KEDUA"
    assert review.schedule is not None
    assert (review.schedule.day_of_week, review.schedule.hour, review.schedule.minute) == (
        (Weekday.sun,),
        9,
        0,
    )
    assert review.on_holiday is HolidayRule.run
    calendar = calendar_of(d2017)
    assert calendar.is_holiday(dt.date(2025, 8, 17))  # Hari Kemerdekaan, a Sunday
    firing = next_due(review.schedule, wib(2025, 8, 16, 12), calendar, review.on_holiday)
    assert firing == Firing(wib(2025, 8, 17, 9, 0), wib(2025, 8, 17, 9, 0))


def test_2017_sunday_review_takes_only_cases_marked_for_it(d2017: Definition) -> None:
    review = only(d2017, "peninjauan_minggu")
    assert review.source == ("menunggu_peninjauan",)
    assert review.dest == "peninjauan_lapangan"
    assert holds(d2017, review, {"needs_field_review": True})
    assert not holds(d2017, review, {"needs_field_review": False})
    assert not holds(d2017, review, {})


def test_2017_monday_meeting_is_0830_after_apel_and_moves_to_the_next_working_day(
    d2017: Definition,
) -> None:
    meeting = only(d2017, "rapat_senin")
    assert meeting.diktum == "KETIGA"
    assert meeting.schedule is not None and meeting.on_holiday is not None
    assert (meeting.schedule.day_of_week, meeting.schedule.hour, meeting.schedule.minute) == (
        (Weekday.mon,),
        8,
        30,
    )
    assert meeting.on_holiday is HolidayRule.next_working_day
    calendar = calendar_of(d2017)
    ordinary = next_due(meeting.schedule, wib(2024, 6, 8, 12), calendar, meeting.on_holiday)
    assert ordinary == Firing(wib(2024, 6, 10, 8, 30), wib(2024, 6, 10, 8, 30))
    # 18 August 2025 is cuti bersama for Independence Day: the meeting is on Tuesday.
    moved = next_due(meeting.schedule, wib(2025, 8, 16, 12), calendar, meeting.on_holiday)
    assert moved == Firing(wib(2025, 8, 18, 8, 30), wib(2025, 8, 19, 8, 30))


def test_2017_monday_meeting_puts_reviewed_and_unreviewed_cases_on_the_agenda(
    d2017: Definition,
) -> None:
    meeting = only(d2017, "rapat_senin")
    assert set(meeting.source) == {"menunggu_rapat_kecamatan", "peninjauan_lapangan"}
    assert meeting.dest == "rapat_kecamatan"
    assert meeting.condition is None


def test_2017_tuesday_city_follow_up_is_0900_and_moves_to_the_next_working_day(
    d2017: Definition,
) -> None:
    follow_up = only(d2017, "rapat_selasa")
    assert follow_up.diktum == "KEEMPAT b"
    assert follow_up.schedule is not None and follow_up.on_holiday is not None
    assert (follow_up.schedule.day_of_week, follow_up.schedule.hour) == ((Weekday.tue,), 9)
    assert follow_up.on_holiday is HolidayRule.next_working_day
    assert follow_up.source == ("menunggu_rapat_kota",)
    assert d2017.states[follow_up.source[0]].lane == "walikota"


def test_2017_weekly_cycle_runs_sunday_then_monday_then_tuesday(d2017: Definition) -> None:
    calendar = calendar_of(d2017)
    after_session = wib(2024, 6, 8, 11, 0)

    def due(trigger: str, after: dt.datetime) -> dt.datetime:
        t = only(d2017, trigger)
        assert t.schedule is not None and t.on_holiday is not None
        firing = next_due(t.schedule, after, calendar, t.on_holiday)
        assert firing is not None
        return firing.due

    week = [due(t, after_session) for t in ("peninjauan_minggu", "rapat_senin", "rapat_selasa")]
    assert week == [wib(2024, 6, 9, 9, 0), wib(2024, 6, 10, 8, 30), wib(2024, 6, 11, 9, 0)]
    # Idul Adha 2024 (Monday) and its cuti bersama (Tuesday): both meetings move to
    # Wednesday and the kecamatan still meets before the city.
    idul_adha = [due(t, wib(2024, 6, 16, 12)) for t in ("rapat_senin", "rapat_selasa")]
    assert idul_adha == [wib(2024, 6, 19, 8, 30), wib(2024, 6, 19, 9, 0)]


def test_2017_triage_is_due_when_the_monday_meeting_starts(d2017: Definition) -> None:
    deadline = d2017.states["diterima"].deadline
    assert deadline is not None and deadline.working_hours is not None
    assert deadline.on_overdue is OverdueAction.flag
    due = calendar_of(d2017).add_working_hours(wib(2024, 6, 8, 10, 0), deadline.working_hours)
    assert due == wib(2024, 6, 10, 8, 30)


def test_2017_undecided_kecamatan_case_goes_to_the_city_before_it_meets(
    d2017: Definition,
) -> None:
    deadline = d2017.states["rapat_kecamatan"].deadline
    assert deadline is not None and deadline.working_hours is not None
    assert deadline.on_overdue is OverdueAction.escalate
    due = calendar_of(d2017).add_working_hours(wib(2024, 6, 10, 8, 30), deadline.working_hours)
    assert due < wib(2024, 6, 11, 9, 0)  # the Tuesday follow-up
    overdue = only(d2017, "lewat_batas_rapat_kecamatan")
    assert (overdue.source, overdue.dest) == (("rapat_kecamatan",), "menunggu_rapat_kota")
    assert overdue.escalate_to is UnitLevel.kota


def test_2017_meeting_outcome_decides_between_report_and_city(d2017: Definition) -> None:
    outcome = only(d2017, "hasil_rapat")
    assert outcome.source == ("rapat_kecamatan",)
    assert "resolved_at_kecamatan" in outcome.fields
    assert d2017.fields["resolved_at_kecamatan"].type is FieldType.bool
    assert set(outcome.roles) == {"camat", "petugas_kecamatan"}
    resolved = branch(d2017, outcome.dest, {"resolved_at_kecamatan": True})
    unresolved = branch(d2017, outcome.dest, {"resolved_at_kecamatan": False})
    assert (resolved.dest, resolved.escalate_to) == ("laporan_camat", None)
    assert (unresolved.dest, unresolved.escalate_to) == ("menunggu_rapat_kota", UnitLevel.kota)
    assert resolved.diktum == unresolved.diktum == "KEEMPAT a"


def test_2017_camat_reports_a_resolved_case_to_the_walikota_before_it_closes(
    d2017: Definition,
) -> None:
    report = only(d2017, "laporkan_ke_walikota")
    assert (report.source, report.dest) == (("laporan_camat",), "selesai_kecamatan")
    assert report.roles == ("camat",)
    assert report.diktum == "KEEMPAT a"
    assert d2017.states["selesai_kecamatan"].kind is StateKind.end


def test_2017_what_the_city_cannot_resolve_goes_to_the_governor_through_the_sekda(
    d2017: Definition,
) -> None:
    outcome = only(d2017, "hasil_rapat_kota")
    assert "resolved_at_kota" in outcome.fields
    assert branch(d2017, outcome.dest, {"resolved_at_kota": True}).dest == "selesai_kota"
    unresolved = branch(d2017, outcome.dest, {"resolved_at_kota": False})
    overdue = only(d2017, "lewat_batas_rapat_kota")
    for t in (unresolved, overdue):
        assert (t.dest, t.escalate_to, t.diktum) == (
            "dilaporkan_ke_gubernur",
            UnitLevel.provinsi,
            "KEEMPAT c",
        )
    assert d2017.states["dilaporkan_ke_gubernur"].lane == "sekda"
    closing = only(d2017, "tindak_lanjut_provinsi")
    assert set(closing.roles) == {"sekda", "gubernur"}
    assert d2017.states[closing.dest].kind is StateKind.end


# Instruksi Walikota Jakarta Selatan e-0006/2024


def test_2024_basis_is_the_south_jakarta_mayor_instruction_of_22_may_2024(
    d2024: Definition,
) -> None:
    assert d2024.basis.number == "e-0006 Tahun 2024"
    assert d2024.basis.date == dt.date(2024, 5, 22)
    assert set(d2024.diktum) == {"KESATU a", "KESATU b", "KESATU c", "KEDUA", "KETIGA"}
    assert "di luar hari kerja" in d2024.diktum["KESATU c"]


def test_2024_electronic_channel_is_open_always(d2024: Definition) -> None:
    electronic = {n: c for n, c in d2024.channels.items() if c.kind == "electronic"}
    assert list(electronic) == ["elektronik"]
    channel = electronic["elektronik"]
    assert channel.windows == (Window(always=True),)
    assert channel.roles == ()
    calendar = calendar_of(d2024)
    moments = [
        wib(2024, 6, 9, 3, 0),  # Sunday night
        wib(2024, 6, 10, 20, 0),  # a working day, after hours
        wib(2024, 6, 17, 12, 0),  # Idul Adha
    ]
    assert all(window_open(channel, t, calendar) for t in moments)


def test_2024_every_in_person_channel_is_limited_to_working_hours(d2024: Definition) -> None:
    in_person = {n: c for n, c in d2024.channels.items() if c.kind == "in_person"}
    assert set(in_person) == {"kantor_walikota", "kantor_camat", "kantor_lurah"}
    calendar = calendar_of(d2024)
    opened = [wib(2024, 6, 10, 7, 30), wib(2024, 6, 10, 15, 59), wib(2024, 6, 14, 16, 15)]
    closed = [
        wib(2024, 6, 10, 7, 29),
        wib(2024, 6, 10, 16, 0),  # Monday closing
        wib(2024, 6, 15, 10, 0),  # Saturday
        wib(2024, 6, 17, 10, 0),  # Idul Adha, a Monday
    ]
    for channel in in_person.values():
        assert all(w.working_hours and not w.always for w in channel.windows)
        assert [window_open(channel, t, calendar) for t in opened] == [True] * 3
        assert [window_open(channel, t, calendar) for t in closed] == [False] * 4


def test_2024_in_person_channels_refuse_outside_hours_and_point_to_electronic_channels(
    d2024: Definition,
) -> None:
    for channel in d2024.channels.values():
        if channel.kind == "in_person":
            assert channel.outside_window is OutsideWindow.refuse
            assert "kanal elektronik" in channel.message
            assert "crm.jakarta.go.id" in channel.message


def test_2024_walikota_office_roster_covers_monday_to_friday(d2024: Definition) -> None:
    channel = d2024.channels["kantor_walikota"]
    assert channel.diktum == "KESATU a"
    assert channel.roster is not None
    assert tuple(channel.roster) == WORKING_WEEK
    sections = list(channel.roster.values())
    assert len(set(sections)) == 5
    assert all(section.startswith("Bagian ") for section in sections)
    assert channel.roster[Weekday.mon] == "Bagian Pemerintahan"


def test_2024_each_office_is_staffed_by_officers_of_its_own_level(d2024: Definition) -> None:
    levels = {
        name: {d2024.roles[r].level for r in channel.roles}
        for name, channel in d2024.channels.items()
        if channel.kind == "in_person"
    }
    assert levels == {
        "kantor_walikota": {UnitLevel.kota},
        "kantor_camat": {UnitLevel.kecamatan},
        "kantor_lurah": {UnitLevel.kelurahan},
    }


def test_2024_disposisi_routes_the_case_to_the_unit_named_in_a_required_field(
    d2024: Definition,
) -> None:
    disposisi = only(d2024, "disposisi")
    assert (disposisi.source, disposisi.dest) == (("diterima",), "ditindaklanjuti")
    assert disposisi.reroute is True
    assert disposisi.fields == ("unit_tujuan",)
    spec = d2024.fields["unit_tujuan"]
    assert (spec.type, spec.level) == (FieldType.unit, None)  # a unit, agency or BUMD
    assert disposisi.diktum == "KEDUA"
    assert d2024.states["diterima"].diktum == "KETIGA"  # entered when the number is issued


def test_2024_a_unit_without_authority_reroutes_the_case_and_says_why(d2024: Definition) -> None:
    reroute = only(d2024, "alihkan")
    assert set(reroute.source) == {"ditindaklanjuti", "dieskalasi"}
    assert reroute.dest == "ditindaklanjuti"
    assert reroute.reroute is True
    assert reroute.fields == ("unit_tujuan", "alasan_pengalihan")
    assert {"petugas_unit", "petugas_bumd"} <= set(reroute.roles)


def test_2024_follow_up_is_verified_before_the_case_closes(d2024: Definition) -> None:
    report = only(d2024, "lapor_tindak_lanjut")
    assert report.dest == "verifikasi"
    assert report.fields == ("hasil_tindak_lanjut",)
    close, back = only(d2024, "tutup"), only(d2024, "kembalikan")
    assert (close.source, close.dest) == (("verifikasi",), "selesai")
    assert (back.source, back.dest) == (("verifikasi",), "ditindaklanjuti")
    # Verification happens back at the receiving office, so sending the follow-up back
    # names the unit that must finish it.
    assert report.return_to_origin is True
    assert back.fields == ("unit_tujuan", "alasan_pengembalian")
    assert back.reroute is True
    assert {"lurah", "camat", "petugas_setko"} <= set(close.roles)
    assert d2024.end_states == ("selesai",)


@pytest.mark.parametrize(
    ("state", "unit_level", "escalate_to"),
    [
        ("diterima", "kelurahan", UnitLevel.kecamatan),
        ("diterima", "kecamatan", UnitLevel.kota),
        ("diterima", "kota", None),
        ("ditindaklanjuti", "kelurahan", UnitLevel.kecamatan),
        ("ditindaklanjuti", "kecamatan", UnitLevel.kota),
        ("ditindaklanjuti", "agency", UnitLevel.kota),
        ("ditindaklanjuti", "bagian", UnitLevel.kota),
        ("ditindaklanjuti", "bumd", None),
        ("ditindaklanjuti", "kota", None),
        ("dieskalasi", "kecamatan", UnitLevel.kota),
        ("dieskalasi", "kota", None),
    ],
)
def test_2024_overdue_cases_climb_the_unit_tree_one_rung_at_a_time(
    d2024: Definition, state: str, unit_level: str, escalate_to: UnitLevel | None
) -> None:
    deadline = d2024.states[state].deadline
    assert deadline is not None and deadline.on_overdue is OverdueAction.escalate
    taken = rung(d2024, state, unit_level)
    assert (taken.escalate_to if taken else None) is escalate_to
    if taken is not None:
        assert taken.diktum == "KESATU b"


def test_2024_deadlines_are_counted_in_working_days(d2024: Definition) -> None:
    deadlines = {n: s.deadline for n, s in d2024.states.items() if s.deadline}
    assert {n: d.working_days for n, d in deadlines.items()} == {
        "diterima": 1,
        "ditindaklanjuti": 5,
        "dieskalasi": 3,
        "verifikasi": 2,
    }
    assert deadlines["verifikasi"].on_overdue is OverdueAction.flag


def test_2024_monitoring_role_is_read_only(d2024: Definition) -> None:
    monitor = d2024.roles["kabag_ktpp"]
    assert monitor.level is UnitLevel.bagian
    assert monitor.office == "Bagian Kepegawaian, Ketatalaksanaan dan Pelayanan Publik"
    acting = {r for t in d2024.transitions for r in t.roles}
    recording = {r for c in d2024.channels.values() for r in c.roles}
    lanes = {s.lane for s in d2024.states.values()}
    assert "kabag_ktpp" not in acting | recording | lanes
