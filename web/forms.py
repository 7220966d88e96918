"""Forms built from definitions: an action's fields, a definition's intake fields.

A definition says which fields a step requires or accepts and what type each has; the
forms here turn that into WTForms fields (``bool`` a ya/tidak select, ``choice`` a
select, ``unit`` a text input with the unit-code pattern, ``date`` a date input, ``text``
a textarea, numbers number inputs) so a mistake is shown next to its field before the
engine sees it. The engine still checks everything again: the forms are for people,
the engine is the authority.

Definition fields are named ``f_<field>`` in HTML, so a definition field can never
collide with the fixed fields of a form (``title``, ``unit``, ``expected_version``...).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, TypeAlias

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FloatField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import HiddenInput, NumberInput

from engine.cases import MAX_DESCRIPTION, MAX_TITLE, PersonalData
from web.extensions import zone
from workflow.definition import Definition, FieldSpec, FieldType, Transition, UnitLevel
from workflow.fields import MAX_TEXT, UNIT_CODE

FIELD_PREFIX = "f_"
"""HTML names of definition fields: ``f_needs_field_review``."""

HTML_UNIT_PATTERN = r"\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?|[A-Z0-9][A-Z0-9.\-]{1,31}"
"""``workflow.fields.UNIT_CODE`` as an HTML ``pattern`` (anchored by the browser, and
valid under the ``v`` flag browsers now use: the hyphen in the class is escaped)."""

MAX_NAME = 100
MAX_PHONE = 20
MAX_EMAIL = 254
MAX_ADDRESS = 500
PHONE = r"^\+?[0-9][0-9 ()\-]{5,19}$"
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"

YES = "ya"
NO = "tidak"


def field_name(name: str) -> str:
    return FIELD_PREFIX + name


def units_list_id(level: UnitLevel | None) -> str:
    """The id of the page's ``<datalist>`` of units (at ``level``, or all of them)."""
    return f"units-{level.value if level else 'all'}"


Option: TypeAlias = "SelectChoice | tuple[str, str]"
"""A choice of a select: ``(value, label)``, or a ``SelectChoice`` (e.g. in an optgroup)."""


def options(choices: Iterable[Option]) -> list[SelectChoice]:
    """Choices as WTForms 3.3 wants them (tuples are deprecated)."""
    return [c if isinstance(c, SelectChoice) else SelectChoice(c[0], c[1]) for c in choices]


def _pick() -> SelectChoice:
    """The empty first option of a select that must be chosen on purpose."""
    return SelectChoice("", _("— pilih —"))


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def value_field(spec: FieldSpec, *, required: bool, field_id: str) -> Any:
    """A WTForms field (unbound) for one definition field."""
    presence: list[Any] = [InputRequired(message=_("Wajib diisi."))] if required else [Optional()]
    common: dict[str, Any] = {"id": field_id}
    kind = spec.type
    if kind is FieldType.bool:
        choices = [_pick(), SelectChoice(YES, _("Ya")), SelectChoice(NO, _("Tidak"))]
        return SelectField(spec.title, choices=choices, validators=presence, **common)
    if kind is FieldType.choice:
        choices = [_pick(), *(SelectChoice(c) for c in spec.choices or ())]
        return SelectField(spec.title, choices=choices, validators=presence, **common)
    if kind is FieldType.date:
        return DateField(spec.title, validators=presence, **common)
    if kind is FieldType.int:
        return IntegerField(spec.title, validators=presence, **common)
    if kind is FieldType.number:
        return FloatField(spec.title, validators=presence, widget=NumberInput(step="any"), **common)
    if kind is FieldType.unit:
        return StringField(
            spec.title,
            validators=[
                *presence,
                Regexp(UNIT_CODE, message=_("Kode unit seperti 31.74.01.1001.")),
            ],
            filters=[_strip],
            datalist=units_list_id(spec.level),
            render_kw={
                "pattern": HTML_UNIT_PATTERN,
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": "31.74.01.1001",
            },
            **common,
        )
    limit = spec.max_length or MAX_TEXT
    text_presence: list[Any] = (
        [DataRequired(message=_("Wajib diisi."))] if required else [Optional()]
    )
    return TextAreaField(
        spec.title,
        validators=[*text_presence, Length(max=limit)],
        filters=[_strip],
        render_kw={"maxlength": limit, "rows": 3},
        **common,
    )


def definition_fields(
    definition: Definition, required: Iterable[str], optional: Iterable[str], id_prefix: str
) -> dict[str, Any]:
    """Unbound WTForms fields for the named definition fields, required ones first."""
    found: dict[str, Any] = {}
    for names, is_required in ((required, True), (optional, False)):
        for name in names:
            found[field_name(name)] = value_field(
                definition.fields[name],
                required=is_required,
                field_id=f"{id_prefix}{field_name(name)}",
            )
    return found


def supplied(form: Any, names: Iterable[str]) -> dict[str, Any]:
    """The definition fields the user filled in, as the engine takes them."""
    values: dict[str, Any] = {}
    for name in names:
        value = form[field_name(name)].data
        if value is None or value == "":
            continue
        if isinstance(value, dt.date):
            value = value.isoformat()
        values[name] = value
    return values


def units_used(definition: Definition, names: Iterable[str]) -> set[UnitLevel | None]:
    """The unit levels whose ``<datalist>`` the fields ``names`` refer to."""
    return {
        definition.fields[n].level for n in names if definition.fields[n].type is FieldType.unit
    }


# -- an action on a case ---------------------------------------------------------------


def action_form(
    definition: Definition,
    transition: Transition | None,
    *,
    trigger: str,
    row_version: int,
    bound: bool,
) -> Any:
    """The form of one manual action: its fields and the row version it was shown at.

    ``bound`` forms read the submitted data; the others show ``row_version`` (the
    optimistic lock: the engine refuses the action if the case moved since).
    ``transition`` None (no such action here) gives a form with no fields, so the
    engine can say why the action is not possible.
    """
    attrs: dict[str, Any] = {
        "expected_version": IntegerField(
            widget=HiddenInput(),
            validators=[InputRequired()],
            id=f"{trigger}-expected_version",
        )
    }
    if transition is not None:
        attrs |= definition_fields(
            definition, transition.fields, transition.optional, f"{trigger}-"
        )
    form_class = type("ActionForm", (FlaskForm,), attrs)
    if bound:
        return form_class()
    return form_class(formdata=None, data={"expected_version": row_version})


# -- intake ----------------------------------------------------------------------------


def _personal_fields(with_address: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "name": StringField(
            _("Nama"), validators=[Optional(), Length(max=MAX_NAME)], filters=[_strip]
        ),
        "phone": StringField(
            _("Telepon"),
            validators=[
                Optional(),
                Length(max=MAX_PHONE),
                Regexp(PHONE, message=_("Nomor telepon seperti 0812 3456 7890.")),
            ],
            filters=[_strip],
            render_kw={"type": "tel", "autocomplete": "tel"},
        ),
        "email": StringField(
            _("Email"),
            validators=[
                Optional(),
                Length(max=MAX_EMAIL),
                Regexp(EMAIL, message=_("Alamat email seperti nama@contoh.id.")),
            ],
            filters=[_strip],
            render_kw={"type": "email", "autocomplete": "email"},
        ),
    }
    if with_address:
        fields["address"] = TextAreaField(
            _("Alamat"),
            validators=[Optional(), Length(max=MAX_ADDRESS)],
            filters=[_strip],
            render_kw={"rows": 2, "maxlength": MAX_ADDRESS},
        )
    fields["confidential"] = BooleanField(
        _("Rahasiakan identitas pelapor (hanya diketahui petugas)")
    )
    return fields


def _complaint_fields(definition: Definition) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "definition": HiddenField(validators=[DataRequired()]),
        "title": StringField(
            _("Judul pengaduan"),
            validators=[DataRequired(message=_("Wajib diisi.")), Length(max=MAX_TITLE)],
            filters=[_strip],
            render_kw={"maxlength": MAX_TITLE},
        ),
        "description": TextAreaField(
            _("Uraian pengaduan"),
            validators=[Optional(), Length(max=MAX_DESCRIPTION)],
            filters=[_strip],
            render_kw={"maxlength": MAX_DESCRIPTION, "rows": 6},
        ),
    }
    categories = definition.intake.categories
    if categories:
        fields["category"] = SelectField(
            _("Kategori"),
            choices=[_pick(), *(SelectChoice(c) for c in categories)],
            validators=[InputRequired(message=_("Wajib diisi."))],
        )
    fields |= definition_fields(
        definition, definition.intake.fields, definition.intake.optional, ""
    )
    return fields


def _no_identity_when_anonymous(form: Any, field: Any) -> None:
    if field.data and any(form[n].data for n in ("name", "phone", "email", "address")):
        raise ValidationError(
            _(
                "Pengaduan anonim tidak menyimpan identitas: "
                "kosongkan nama, telepon, email dan alamat."
            )
        )


def officer_intake_form(
    definition: Definition,
    *,
    channels: Sequence[Option],
    units: Sequence[Option],
) -> Any:
    """What an officer fills in for an in-person complaint, possibly typed in later."""
    attrs = _complaint_fields(definition)
    attrs |= {
        "channel": SelectField(_("Kanal"), choices=options(channels), validators=[InputRequired()]),
        "unit": SelectField(_("Unit"), choices=options(units), validators=[InputRequired()]),
        "received_at": DateTimeLocalField(
            _("Diterima pada (WIB), bila dicatat kemudian"),
            validators=[Optional()],
            tz=zone,
        ),
        **_personal_fields(with_address=True),
        "anonymous": BooleanField(_("Pelapor tidak mau menyebutkan identitas (anonim)")),
        "validate_anonymous": _no_identity_when_anonymous,
    }
    return type("OfficerIntakeForm", (FlaskForm,), attrs)()


def citizen_form(definition: Definition, *, units: Sequence[Option]) -> Any:
    """The public electronic complaint form: anonymous unless the citizen says who they are."""
    attrs = _complaint_fields(definition)
    attrs |= {
        "unit": SelectField(
            _("Kelurahan lokasi permasalahan"),
            choices=[_pick(), *options(units)],
            validators=[InputRequired(message=_("Wajib diisi."))],
        ),
        **_personal_fields(with_address=False),
    }
    return type("CitizenForm", (FlaskForm,), attrs)()


def personal_data(form: Any) -> PersonalData:
    """The complainant as the engine keeps them: anonymous when no identity was given."""
    values = {
        n: (form[n].data or None) if n in form else None
        for n in ("name", "phone", "email", "address")
    }
    anonymous = ("anonymous" in form and bool(form["anonymous"].data)) or not any(values.values())
    if anonymous:
        return PersonalData(anonymous=True, confidential=bool(form["confidential"].data))
    return PersonalData(**values, anonymous=False, confidential=bool(form["confidential"].data))
