"""Engine messages carry their template, so the web can say them in the reader's language."""

from __future__ import annotations

import pickle
from collections.abc import Iterator

import pytest
from flask_babel import force_locale

from web.app import create_app
from web.messages import say, say_error
from workflow.errors import DefinitionError
from workflow.fields import FieldErrors
from workflow.loader import load_text
from workflow.messages import Text, joined, text_of


def test_a_text_reads_as_its_english_wording_and_keeps_its_template() -> None:
    text = Text("event %(seq)s is missing", seq=4)
    assert text == "event 4 is missing"
    assert (text.template, dict(text.params)) == ("event %(seq)s is missing", {"seq": 4})
    assert isinstance(f"{text}", str) and str(text) == "event 4 is missing"


def test_a_text_survives_pickling_with_its_template() -> None:
    copy = pickle.loads(pickle.dumps(Text("unknown unit '%(code)s'", code="31.74")))
    assert copy == "unknown unit '31.74'" and copy.template == "unknown unit '%(code)s'"


def test_joined_messages_keep_each_part_translatable_and_escape_percent_signs() -> None:
    parts = [Text("field '%(field)s' is required", field="a"), "100% plain"]
    both = joined(parts, separator=" % ")
    assert both == "field 'a' is required % 100% plain"
    assert both.params["p0"] is parts[0]


def test_the_message_an_error_was_raised_with_is_found_again() -> None:
    error = FieldErrors([Text("field '%(field)s' is required", field="lokasi")])
    assert isinstance(text_of(error), Text)
    assert text_of(ValueError(3)) == "3"


@pytest.fixture()
def request_context() -> Iterator[None]:
    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://"})
    with app.test_request_context("/"):
        yield


@pytest.mark.usefixtures("request_context")
def test_nested_messages_are_translated_part_by_part() -> None:
    inner = Text("field '%(field)s' is required", field="lokasi")
    outer = Text("event %(seq)s: %(problem)s", seq=2, problem=inner)
    with force_locale("id"):
        assert say(outer) == "peristiwa 2: isian 'lokasi' wajib diisi"
    with force_locale("en"):
        assert say(outer) == "event 2: field 'lokasi' is required"


@pytest.mark.usefixtures("request_context")
def test_definition_problems_are_said_in_indonesian_with_the_suggestion() -> None:
    with pytest.raises(DefinitionError) as caught:
        load_text("id: x\nversion: 1\ntitel: y\n")
    unknown = next(p for p in caught.value.problems if "titel" in p.message)
    with force_locale("id"):
        assert say(unknown.message) == "kunci 'titel' tidak dikenal (maksudnya 'title'?)"


@pytest.mark.usefixtures("request_context")
def test_plain_strings_and_errors_without_a_text_pass_through() -> None:
    with force_locale("id"):
        assert say("Saluran tutup hari Minggu") == "Saluran tutup hari Minggu"
        assert say_error(ValueError("boom")) == "boom"
