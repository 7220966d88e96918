"""Every path through the shipped definitions can be walked by the machine.

The paths are enumerated from the definition graph, not written by hand: a transition
that no path uses, or a path the machine cannot be driven along with any data an officer
could supply, fails a test. Then a few walks spelled out in the words of the instructions,
and the scheduled triggers' due times on real dates.

The path bound: within one path a state is entered at most ``MAX_VISITS`` (2) times,
counting the start. So every loop (2024: ``alihkan`` re-routing, ``kembalikan`` sending a
follow-up back, the overdue rungs that keep a case where it is) is walked once, and a
path never goes round a loop twice. A transition may appear in many paths.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import DEFINITIONS
from workflow.definition import (
    Definition,
    FieldSpec,
    FieldType,
    StateKind,
    Transition,
    TransitionKind,
    UnitLevel,
)
from workflow.expressions import compile_condition
from workflow.loader import load_file
from workflow.machine import ActionRefused, Outcome, WorkflowMachine, machine_for
from workflow.schedule import Firing

WIB = ZoneInfo("Asia/Jakarta")

D2017 = load_file(DEFINITIONS / "ingub-135-2017.v1.yaml")
D2024 = load_file(DEFINITIONS / "inwalkot-jaksel-e-0006-2024.v1.yaml")
SHIPPED = (D2017, D2024)

MAX_VISITS = 2
"""How often one path may enter a state: loops are walked once, never twice."""

UNIT_CODES: dict[UnitLevel, str] = {
    UnitLevel.kelurahan: "31.74.01.1001",
    UnitLevel.kecamatan: "31.74.01",
    UnitLevel.kota: "31.74",
    UnitLevel.provinsi: "31",
    UnitLevel.bagian: "31.74.BAG-KTPP",
    UnitLevel.agency: "31.74.SDLH",
    UnitLevel.bumd: "31.BUMD-PAMJAYA",
}
"""A plausible unit code of each level (Kemendagri codes of South Jakarta, office codes)."""

SCHEDULED = (TransitionKind.scheduled,)
ESCALATION = (TransitionKind.escalation,)


def wib(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=WIB)


# Enumerating paths


@dataclass(frozen=True)
class Edge:
    """One transition taken from one of its sources."""

    transition: Transition
    source: str

    @property
    def dest(self) -> str:
        return self.transition.dest


@dataclass(frozen=True)
class Path:
    definition: Definition
    edges: tuple[Edge, ...]

    @property
    def end(self) -> str:
        return self.edges[-1].dest

    @property
    def id(self) -> str:
        """``<definition id>:trigger>trigger>...``; ``#n`` tells apart transitions sharing a
        trigger (the rungs of an escalation), numbered in definition order."""
        labels = []
        for edge in self.edges:
            same = [t for t in self.definition.transitions if t.trigger == edge.transition.trigger]
            rank = next(i for i, t in enumerate(same, 1) if t is edge.transition)
            labels.append(edge.transition.trigger + (f"#{rank}" if len(same) > 1 else ""))
        return f"{self.definition.id}:{'>'.join(labels)}"


def simple_paths(definition: Definition) -> list[Path]:
    """Every path from the start state to an end state entering no state more than
    ``MAX_VISITS`` times, in definition order."""
    ends = set(definition.end_states)
    found: list[Path] = []

    def extend(state: str, visits: Counter[str], edges: tuple[Edge, ...]) -> None:
        if state in ends:
            found.append(Path(definition, edges))
            return
        for t in definition.transitions:
            if state in t.source and visits[t.dest] < MAX_VISITS:
                visits[t.dest] += 1
                extend(t.dest, visits, (*edges, Edge(t, state)))
                visits[t.dest] -= 1

    start = definition.start_state
    extend(start, Counter({start: 1}), ())
    return found


PATHS = {definition.id: simple_paths(definition) for definition in SHIPPED}
ALL_PATHS = [path for paths in PATHS.values() for path in paths]


# Driving the machine along a path


def field_values(spec: FieldSpec) -> tuple[Any, ...]:
    """The values tried for a field: each that can change a decision, else one plausible."""
    kind = spec.type
    if kind is FieldType.bool:
        return (True, False)
    if kind is FieldType.choice:
        return spec.choices or ()
    if kind is FieldType.unit:
        return (UNIT_CODES[spec.level],) if spec.level else tuple(UNIT_CODES.values())
    if kind in (FieldType.int, FieldType.number):
        return (1,)
    if kind is FieldType.date:
        return ("2025-03-03",)
    return ("catatan",)


def supplied_options(definition: Definition, t: Transition) -> Iterator[dict[str, Any]]:
    """Every combination of values for the fields ``t`` takes; optional ones also unset."""
    names = (*t.fields, *t.optional)
    choices = [field_values(definition.fields[n]) for n in t.fields]
    choices += [(*field_values(definition.fields[n]), None) for n in t.optional]
    for combo in itertools.product(*choices):
        yield {n: v for n, v in zip(names, combo, strict=True) if v is not None}


def fact_options(definition: Definition) -> list[dict[str, Any]]:
    """The builtin variables a case may have: its unit's level, channel and category."""
    return [
        {"unit_level": level.value, "channel": channel, "category": category}
        for level, channel, category in itertools.product(
            UnitLevel, definition.channels, (*definition.intake.categories, None)
        )
    ]


def initial_data(definition: Definition) -> dict[str, Any]:
    """What intake records: one plausible value of each required intake field."""
    return {n: field_values(definition.fields[n])[0] for n in definition.intake.fields}


def segment(definition: Definition, edges: tuple[Edge, ...], i: int) -> tuple[Edge, ...]:
    """The edges one firing takes from ``edges[i]``: it, then the gateway branches."""
    j = i + 1
    while definition.states[edges[j - 1].dest].kind is StateKind.gateway:
        j += 1
    return edges[i:j]


def matches(outcome: Outcome, expected: tuple[Edge, ...]) -> bool:
    return len(outcome.steps) == len(expected) and all(
        step.transition is edge.transition and step.source == edge.source and step.dest == edge.dest
        for step, edge in zip(outcome.steps, expected, strict=True)
    )


@dataclass(frozen=True)
class Taken:
    """One firing of a walk and what made it happen."""

    edges: tuple[Edge, ...]
    outcome: Outcome
    before: Mapping[str, Any]
    role: str | None
    facts: Mapping[str, Any]


def firings(
    machine: WorkflowMachine, state: str, data: Mapping[str, Any], expected: tuple[Edge, ...]
) -> Iterator[Taken]:
    """Every distinct way (by the data it leaves) to take ``expected`` from ``state``."""
    definition = machine.definition
    t = expected[0].transition
    seen: set[str] = set()
    for facts in fact_options(definition):
        tries: Iterator[tuple[str | None, Outcome | None]]
        if t.kind is TransitionKind.manual:
            tries = (
                (role, _fire(machine, state, t.trigger, data, role, facts, supplied))
                for role in t.roles
                for supplied in supplied_options(definition, t)
            )
        elif t.kind in (TransitionKind.scheduled, TransitionKind.escalation):
            outcome = machine.resolve(state, t.trigger, data, kinds=(t.kind,), facts=facts)
            tries = iter([(None, outcome)])
        else:
            return  # an automatic transition is taken only as a gateway branch
        for role, outcome in tries:
            if outcome is None or not matches(outcome, expected):
                continue
            key = repr(sorted(outcome.data.items()))
            if key not in seen:
                seen.add(key)
                yield Taken(expected, outcome, dict(data), role, facts)


def _fire(
    machine: WorkflowMachine,
    state: str,
    trigger: str,
    data: Mapping[str, Any],
    role: str,
    facts: Mapping[str, Any],
    supplied: Mapping[str, Any],
) -> Outcome | None:
    try:
        return machine.fire(state, trigger, data=data, role=role, facts=facts, supplied=supplied)
    except ActionRefused:
        return None


def walk(machine: WorkflowMachine, path: Path) -> list[Taken] | None:
    """Firings that drive a new case along ``path``, or None if there are none.

    Backtracks: a value chosen early (a meeting's outcome) may be what a later condition
    reads, so a firing that matches its own steps but blocks a later one is undone.
    """
    definition = machine.definition

    def go(i: int, state: str, data: Mapping[str, Any]) -> list[Taken] | None:
        if i == len(path.edges):
            return []
        expected = segment(definition, path.edges, i)
        for taken in firings(machine, state, data, expected):
            rest = go(i + len(expected), taken.outcome.state, taken.outcome.data)
            if rest is not None:
                return [taken, *rest]
        return None

    return go(0, definition.start_state, initial_data(definition))


# The graph's paths


@pytest.mark.parametrize("definition", SHIPPED, ids=lambda d: d.id)
def test_paths_together_take_every_transition_from_every_source(definition: Definition) -> None:
    covered = {(id(e.transition), e.source) for path in PATHS[definition.id] for e in path.edges}
    missing = [
        f"{t.trigger} from {source}"
        for t in definition.transitions
        for source in t.source
        if (id(t), source) not in covered
    ]
    assert missing == []


@pytest.mark.parametrize("definition", SHIPPED, ids=lambda d: d.id)
def test_paths_reach_every_end_state(definition: Definition) -> None:
    assert {path.end for path in PATHS[definition.id]} == set(definition.end_states)


def test_paths_enter_no_state_more_than_twice_and_have_distinct_names() -> None:
    for path in ALL_PATHS:
        entered = Counter([path.definition.start_state, *(e.dest for e in path.edges)])
        assert max(entered.values()) <= MAX_VISITS, path.id
    assert len({path.id for path in ALL_PATHS}) == len(ALL_PATHS)


def test_the_2017_instruction_has_no_loop_and_21_paths() -> None:
    # 3 ways to the Monday meeting (no review; review then findings; review and straight
    # to the meeting) x 7 ways on (resolved at kecamatan; or to the city by outcome or by
    # deadline, then resolved at the city, or to the Governor by outcome or by deadline).
    assert len(PATHS[D2017.id]) == 21
    assert all(len(set(e.dest for e in p.edges)) == len(p.edges) for p in PATHS[D2017.id])


@pytest.mark.parametrize("path", ALL_PATHS, ids=lambda p: p.id)
def test_machine_walks_the_path_to_its_end_state(path: Path) -> None:
    machine = machine_for(path.definition)
    taken = walk(machine, path)
    assert taken is not None, f"no data drives a case along {path.id}"
    assert [e for t in taken for e in t.edges] == list(path.edges)
    assert taken[-1].outcome.state == path.end
    assert path.definition.states[path.end].kind is StateKind.end
    for t in taken:
        # What the machine accepts, it offers: the officer's form shows this action.
        if t.role is not None:
            offered = machine.actions(t.edges[0].source, t.role, t.before, t.facts)
            assert t.edges[0].transition.trigger in [a.trigger for a in offered]
        # The case moves up the tree exactly when a step of the firing says so.
        assert t.outcome.escalate_to == next(
            (e.transition.escalate_to for e in reversed(t.edges) if e.transition.escalate_to),
            None,
        )


# 2017, in the words of Instruksi Gubernur 135/2017

KELURAHAN = {"kelurahan": UNIT_CODES[UnitLevel.kelurahan]}
AT_KECAMATAN = {"unit_level": "kecamatan", "channel": "langsung_kecamatan"}


@pytest.fixture(scope="module")
def m2017() -> WorkflowMachine:
    return machine_for(D2017)


@pytest.fixture(scope="module")
def m2024() -> WorkflowMachine:
    return machine_for(D2024)


def scheduled(machine: WorkflowMachine, state: str, trigger: str, data: Any) -> Outcome:
    outcome = machine.resolve(state, trigger, data, kinds=SCHEDULED, facts=AT_KECAMATAN)
    assert outcome is not None, f"{trigger} does not take a case in {state}"
    return outcome


def test_2017_case_needing_field_review_is_reviewed_sunday_met_monday_reported_and_closed(
    m2017: WorkflowMachine,
) -> None:
    # KEDUA: triage decides the case needs the Sunday review.
    triaged = m2017.fire(
        "diterima",
        "triase",
        data=KELURAHAN,
        role="petugas_kecamatan",
        facts=AT_KECAMATAN,
        supplied={"needs_field_review": "ya"},
    )
    assert [s.trigger for s in triaged.steps] == ["triase", "perlu_peninjauan"]
    assert triaged.state == "menunggu_peninjauan"
    review = scheduled(m2017, triaged.state, "peninjauan_minggu", triaged.data)
    assert review.state == "peninjauan_lapangan"
    findings = m2017.fire(
        review.state,
        "catat_hasil_peninjauan",
        data=review.data,
        role="satpol_pp_kecamatan",
        supplied={"field_review_notes": "Saluran tersumbat sampah di RT 05"},
    )
    assert findings.state == "menunggu_rapat_kecamatan"
    # KETIGA: the Monday meeting puts it on the agenda and resolves it at the kecamatan.
    meeting = scheduled(m2017, findings.state, "rapat_senin", findings.data)
    assert meeting.state == "rapat_kecamatan"
    decided = m2017.fire(
        meeting.state,
        "hasil_rapat",
        data=meeting.data,
        role="camat",
        supplied={"resolved_at_kecamatan": True, "meeting_notes": "Kerja bakti hari Rabu"},
    )
    assert [s.trigger for s in decided.steps] == ["hasil_rapat", "selesai_di_kecamatan"]
    assert decided.state == "laporan_camat"
    assert decided.escalate_to is None
    # KEEMPAT a: the Camat reports the resolution to the Walikota, which closes the case.
    closed = m2017.fire(decided.state, "laporkan_ke_walikota", data=decided.data, role="camat")
    assert closed.state == "selesai_kecamatan"
    assert D2017.states[closed.state].kind is StateKind.end


def test_2017_case_without_field_review_skips_sunday_and_goes_to_the_monday_meeting(
    m2017: WorkflowMachine,
) -> None:
    triaged = m2017.fire(
        "diterima",
        "triase",
        data=KELURAHAN,
        role="lurah",
        supplied={"needs_field_review": False},
    )
    assert [s.trigger for s in triaged.steps] == ["triase", "tanpa_peninjauan"]
    assert triaged.state == "menunggu_rapat_kecamatan"
    assert m2017.resolve(triaged.state, "peninjauan_minggu", triaged.data, kinds=SCHEDULED) is None
    # "sesuai dengan kebutuhan": the Sunday step itself never takes an unmarked case.
    unmarked = {**triaged.data, "needs_field_review": False}
    assert (
        m2017.resolve("menunggu_peninjauan", "peninjauan_minggu", unmarked, kinds=SCHEDULED) is None
    )
    assert scheduled(m2017, triaged.state, "rapat_senin", triaged.data).state == "rapat_kecamatan"


def test_2017_reviewed_case_is_on_monday_agenda_even_before_its_findings_are_entered(
    m2017: WorkflowMachine,
) -> None:
    data = {**KELURAHAN, "needs_field_review": True}
    assert scheduled(m2017, "peninjauan_lapangan", "rapat_senin", data).state == "rapat_kecamatan"


def test_2017_case_unresolved_at_kecamatan_goes_to_the_city_and_unresolved_there_to_provinsi(
    m2017: WorkflowMachine,
) -> None:
    data = {**KELURAHAN, "needs_field_review": False}
    # KEEMPAT a: the meeting cannot resolve it, so it goes to the Walikota.
    to_city = m2017.fire(
        "rapat_kecamatan",
        "hasil_rapat",
        data=data,
        role="camat",
        supplied={"resolved_at_kecamatan": False, "meeting_notes": "Kewenangan Suku Dinas SDA"},
    )
    assert [s.trigger for s in to_city.steps] == ["hasil_rapat", "teruskan_ke_kota"]
    assert to_city.escalate_to is UnitLevel.kota
    assert to_city.state == "menunggu_rapat_kota"
    # KEEMPAT b: on the Tuesday agenda with the Suku Dinas; the city cannot resolve it either.
    city = scheduled(m2017, to_city.state, "rapat_selasa", to_city.data)
    assert city.state == "rapat_kota"
    to_province = m2017.fire(
        city.state,
        "hasil_rapat_kota",
        data=city.data,
        role="walikota",
        supplied={"resolved_at_kota": False, "city_meeting_notes": "Perlu anggaran provinsi"},
    )
    assert [s.trigger for s in to_province.steps] == ["hasil_rapat_kota", "laporkan_ke_gubernur"]
    assert to_province.escalate_to is UnitLevel.provinsi
    # KEEMPAT c: reported to the Governor through the Sekda, who records the follow-up.
    assert to_province.state == "dilaporkan_ke_gubernur"
    done = m2017.fire(
        to_province.state,
        "tindak_lanjut_provinsi",
        data=to_province.data,
        role="sekda",
        supplied={"province_follow_up": "Dianggarkan dalam APBD Perubahan"},
    )
    assert done.state == "selesai_provinsi"


def test_2017_case_resolved_at_the_city_closes_there(m2017: WorkflowMachine) -> None:
    outcome = m2017.fire(
        "rapat_kota",
        "hasil_rapat_kota",
        data=KELURAHAN,
        role="walikota",
        supplied={"resolved_at_kota": True, "city_meeting_notes": "Ditangani Sudin SDA"},
    )
    assert outcome.state == "selesai_kota"
    assert outcome.escalate_to is None


def test_2017_meeting_outcome_not_recorded_in_time_sends_the_case_to_the_city(
    m2017: WorkflowMachine,
) -> None:
    kecamatan = {"unit_level": "kecamatan"}
    late = m2017.resolve(
        "rapat_kecamatan",
        "lewat_batas_rapat_kecamatan",
        KELURAHAN,
        kinds=ESCALATION,
        facts=kecamatan,
    )
    assert late is not None
    assert (late.state, late.escalate_to) == ("menunggu_rapat_kota", UnitLevel.kota)
    late_city = m2017.resolve(
        "rapat_kota",
        "lewat_batas_rapat_kota",
        KELURAHAN,
        kinds=ESCALATION,
        facts={"unit_level": "kota"},
    )
    assert late_city is not None
    assert (late_city.state, late_city.escalate_to) == (
        "dilaporkan_ke_gubernur",
        UnitLevel.provinsi,
    )


def test_2017_only_the_camat_and_his_officers_record_the_meeting_and_only_the_walikota_the_city(
    m2017: WorkflowMachine,
) -> None:
    meeting = {"resolved_at_kecamatan": True, "meeting_notes": "catatan"}
    with pytest.raises(ActionRefused, match="role 'lurah' may not"):
        m2017.fire("rapat_kecamatan", "hasil_rapat", data=KELURAHAN, role="lurah", supplied=meeting)
    city = {"resolved_at_kota": True, "city_meeting_notes": "catatan"}
    with pytest.raises(ActionRefused, match="role 'kepala_suku_dinas' may not"):
        m2017.fire(
            "rapat_kota",
            "hasil_rapat_kota",
            data=KELURAHAN,
            role="kepala_suku_dinas",
            supplied=city,
        )
    with pytest.raises(ActionRefused, match="resolved_at_kecamatan' is required"):
        m2017.fire(
            "rapat_kecamatan",
            "hasil_rapat",
            data=KELURAHAN,
            role="camat",
            supplied={"meeting_notes": "catatan"},
        )


# 2024, in the words of Instruksi Walikota Jakarta Selatan e-0006/2024

ELECTRONIC = {"channel": "elektronik", "category": "air bersih", "unit_level": "kelurahan"}


def test_2024_electronic_complaint_is_routed_to_a_bumd_followed_up_verified_and_closed(
    m2024: WorkflowMachine,
) -> None:
    # KESATU c.2 and KEDUA: filed electronically, routed by the kelurahan to PAM Jaya.
    routed = m2024.fire(
        "diterima",
        "disposisi",
        data={},
        role="petugas_kelurahan",
        facts=ELECTRONIC,
        supplied={"unit_tujuan": UNIT_CODES[UnitLevel.bumd], "catatan_disposisi": "Air mati"},
    )
    assert routed.state == "ditindaklanjuti"
    assert routed.changes["unit_tujuan"] == "31.BUMD-PAMJAYA"
    assert routed.steps[0].transition.reroute
    # The BUMD follows it up; the case goes back to the receiving office to be verified.
    at_bumd = {**ELECTRONIC, "unit_level": "bumd"}
    reported = m2024.fire(
        routed.state,
        "lapor_tindak_lanjut",
        data=routed.data,
        role="petugas_bumd",
        facts=at_bumd,
        supplied={"hasil_tindak_lanjut": "Pipa diperbaiki"},
    )
    assert reported.state == "verifikasi"
    assert reported.steps[0].transition.return_to_origin
    closed = m2024.fire(reported.state, "tutup", data=reported.data, role="petugas_kecamatan")
    assert closed.state == "selesai"
    assert D2024.states[closed.state].kind is StateKind.end


def test_2024_rerouting_keeps_the_case_in_follow_up_with_the_new_unit_and_reason(
    m2024: WorkflowMachine,
) -> None:
    data = {"unit_tujuan": UNIT_CODES[UnitLevel.bumd]}
    for state in ("ditindaklanjuti", "dieskalasi"):
        moved = m2024.fire(
            state,
            "alihkan",
            data=data,
            role="petugas_bumd",
            supplied={"unit_tujuan": "31.74.SDLH", "alasan_pengalihan": "Kewenangan Sudin LH"},
        )
        assert moved.state == "ditindaklanjuti"
        assert moved.data["unit_tujuan"] == "31.74.SDLH"
        assert moved.data["alasan_pengalihan"] == "Kewenangan Sudin LH"
    with pytest.raises(ActionRefused, match="alasan_pengalihan' is required"):
        m2024.fire(
            "ditindaklanjuti",
            "alihkan",
            data=data,
            role="petugas_bumd",
            supplied={"unit_tujuan": "31.74.SDLH"},
        )


def test_2024_verifier_sends_an_unsatisfactory_follow_up_back_to_the_unit(
    m2024: WorkflowMachine,
) -> None:
    back = m2024.fire(
        "verifikasi",
        "kembalikan",
        data={},
        role="petugas_setko",
        supplied={
            "alasan_pengembalian": "Foto bukti belum dilampirkan",
            "unit_tujuan": "31.BUMD-PAMJAYA",
        },
    )
    assert back.state == "ditindaklanjuti"
    # The case goes back to the unit the verifier names, not to the verifying office.
    assert back.steps[0].transition.reroute is True
    assert back.data["unit_tujuan"] == "31.BUMD-PAMJAYA"
    with pytest.raises(ActionRefused, match="role 'petugas_bumd' may not"):
        m2024.fire("verifikasi", "tutup", data={}, role="petugas_bumd")


@pytest.mark.parametrize(
    ("state", "trigger", "level", "up"),
    [
        ("diterima", "lewat_batas_disposisi", "kelurahan", UnitLevel.kecamatan),
        ("diterima", "lewat_batas_disposisi", "kecamatan", UnitLevel.kota),
        ("diterima", "lewat_batas_disposisi", "kota", None),
        ("ditindaklanjuti", "lewat_batas_tindak_lanjut", "kelurahan", UnitLevel.kecamatan),
        ("ditindaklanjuti", "lewat_batas_tindak_lanjut", "agency", UnitLevel.kota),
        ("ditindaklanjuti", "lewat_batas_tindak_lanjut", "bagian", UnitLevel.kota),
        ("ditindaklanjuti", "lewat_batas_tindak_lanjut", "bumd", None),
        ("dieskalasi", "lewat_batas_tindak_lanjut", "kecamatan", UnitLevel.kota),
        ("dieskalasi", "lewat_batas_tindak_lanjut", "kota", None),
    ],
)
def test_2024_overdue_case_climbs_one_rung_of_the_tree_or_none_when_there_is_none(
    m2024: WorkflowMachine, state: str, trigger: str, level: str, up: UnitLevel | None
) -> None:
    outcome = m2024.resolve(state, trigger, {}, kinds=ESCALATION, facts={"unit_level": level})
    if up is None:
        assert outcome is None  # flagged for the monitoring of KESATU b, not moved
    else:
        assert outcome is not None
        assert outcome.escalate_to is up
        assert outcome.state == ("diterima" if state == "diterima" else "dieskalasi")


def test_2024_monitoring_section_takes_no_step_of_any_case(m2024: WorkflowMachine) -> None:
    # KESATU b: the Kabag KTPP monitors and evaluates; it is read-only.
    for state in D2024.states:
        assert m2024.actions(state, "kabag_ktpp", {}, ELECTRONIC) == []


# When the scheduled triggers are due (2017)


def test_2017_monday_meeting_on_idul_fitri_moves_past_cuti_bersama_to_tuesday_8_april(
    m2017: WorkflowMachine,
) -> None:
    # Idul Fitri 31 March and 1 April 2025, cuti bersama 2-4 and 7 April.
    firing = m2017.next_due("rapat_senin", wib(2025, 3, 29, 12))
    assert firing == Firing(nominal=wib(2025, 3, 31, 8, 30), due=wib(2025, 4, 8, 8, 30))


def test_2017_monday_meeting_asked_on_the_holiday_afternoon_is_still_the_moved_one(
    m2017: WorkflowMachine,
) -> None:
    firing = m2017.next_due("rapat_senin", wib(2025, 3, 31, 15))
    assert firing == Firing(nominal=wib(2025, 3, 31, 8, 30), due=wib(2025, 4, 8, 8, 30))


def test_2017_city_meeting_of_idul_fitri_week_follows_the_moved_monday_meeting_same_day(
    m2017: WorkflowMachine,
) -> None:
    # Both weekly meetings land on the first working day, 8 April 2025, in their order.
    firing = m2017.next_due("rapat_selasa", wib(2025, 3, 29, 12))
    assert firing == Firing(nominal=wib(2025, 4, 1, 9), due=wib(2025, 4, 8, 9))


def test_2017_sunday_review_is_the_next_morning_after_a_saturday_session(
    m2017: WorkflowMachine,
) -> None:
    firing = m2017.next_due("peninjauan_minggu", wib(2025, 3, 29, 12))
    assert firing == Firing(nominal=wib(2025, 3, 30, 9), due=wib(2025, 3, 30, 9))


def test_2017_ordinary_week_meets_monday_0830_at_kecamatan_and_tuesday_0900_at_the_city(
    m2017: WorkflowMachine,
) -> None:
    saturday = wib(2025, 6, 14, 12)
    monday, tuesday = wib(2025, 6, 16, 8, 30), wib(2025, 6, 17, 9)
    assert m2017.next_due("rapat_senin", saturday) == Firing(monday, monday)
    assert m2017.next_due("rapat_selasa", saturday) == Firing(tuesday, tuesday)


def test_2017_meeting_due_at_the_instant_asked_is_next_weeks(m2017: WorkflowMachine) -> None:
    next_monday = wib(2025, 6, 23, 8, 30)
    assert m2017.next_due("rapat_senin", wib(2025, 6, 16, 8, 30)) == Firing(
        next_monday, next_monday
    )


@pytest.mark.parametrize(
    ("definition", "trigger"),
    [
        (D2017, "triase"),
        (D2017, "lewat_batas_rapat_kecamatan"),
        (D2017, "perlu_peninjauan"),
        (D2017, "rapat_kamis"),
        (D2024, "disposisi"),
    ],
    ids=lambda v: v.id if isinstance(v, Definition) else v,
)
def test_next_due_of_a_trigger_that_is_not_scheduled_is_refused(
    definition: Definition, trigger: str
) -> None:
    with pytest.raises(ActionRefused, match=f"'{trigger}' is not a scheduled trigger"):
        machine_for(definition).next_due(trigger, wib(2025, 6, 14))


def test_conditions_of_the_shipped_definitions_read_only_fields_and_builtins() -> None:
    # The walk varies fields and the builtins; a condition reading anything else could
    # never be made to hold by it.
    for definition in SHIPPED:
        for t in definition.transitions:
            if t.condition is not None:
                extra = compile_condition(t.condition).variables - set(definition.fields)
                assert extra <= {"channel", "category", "role", "unit_level"}, t.trigger
