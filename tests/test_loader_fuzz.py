"""Whatever a slip of the keyboard does to a definition, the loader answers with problems.

Random edits of the shipped definitions (and of the mini one) must either still load or
raise ``DefinitionError`` whose every problem has a place in the file and a message:
never another exception, never a warning (pytest turns warnings into errors).
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.test_validation import MINI
from workflow.definition import Definition
from workflow.errors import DefinitionError
from workflow.loader import load_text

DEFINITIONS = Path(__file__).resolve().parent.parent / "definitions"
SOURCES = [path.read_text(encoding="utf-8") for path in sorted(DEFINITIONS.glob("*.yaml"))]
SOURCES.append(MINI)

YAML_CHARACTERS = " \t\n:-?,[]{}#&*!|>'\"%@`\\0123456789abcxyz"
"""Characters that mean something to YAML, weighted over arbitrary ones below."""

snippets = st.text(st.sampled_from(YAML_CHARACTERS) | st.characters(), min_size=1, max_size=12)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A shipped definition after one to three random edits."""
    text = draw(st.sampled_from(SOURCES))
    for _ in range(draw(st.integers(1, 3))):
        lines = text.split("\n")
        line = draw(st.integers(0, len(lines) - 1))
        position = draw(st.integers(0, len(text)))
        edit = draw(
            st.sampled_from(
                ["delete", "duplicate", "swap", "replace", "truncate", "indent", "insert"]
            )
        )
        if edit == "delete":
            del lines[line]
        elif edit == "duplicate":
            lines.insert(line, lines[line])
        elif edit == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[line], lines[other] = lines[other], lines[line]
        elif edit == "indent":
            shift = draw(st.sampled_from([-4, -3, -2, -1, 1, 2, 3, 4]))
            prefix = draw(st.sampled_from([" ", "\t"]))
            if shift > 0:
                lines[line] = prefix * shift + lines[line]
            else:
                indent = len(lines[line]) - len(lines[line].lstrip())
                lines[line] = lines[line][min(-shift, indent) :]
        if edit in ("delete", "duplicate", "swap", "indent"):
            text = "\n".join(lines)
        elif edit == "replace":
            char = draw(st.sampled_from(YAML_CHARACTERS) | st.characters())
            text = text[:position] + char + text[position + 1 :]
        elif edit == "truncate":
            text = text[:position]
        else:
            text = text[:position] + draw(snippets) + text[position:]
    return text


@settings(max_examples=300, deadline=None)
@given(mutated())
# A top-level key with "[" in it lost its name while being located (IndexError).
@example('id: x\n"a[b": 1\n')
# ruamel.yaml only warns about a reused anchor; under pytest that warning was an error.
@example(
    MINI.replace("roles: [petugas]\n", "roles: &who [petugas]\n").replace(
        "[petugas],", "&who [petugas],"
    )
)
# An alias inside its own anchor made the position index recurse without end.
@example("&loop [*loop]\n")
# Deep nesting exhausted Python's recursion limit inside ruamel.yaml.
@example("id: " + "[" * 2000)
@example(MINI.replace("day_of_week: sun", "day_of_week: [sun, funday]"))
@example("")
@example("\ufeff" + MINI)
def test_loader_answers_every_mutation_with_a_definition_or_located_problems(text: str) -> None:
    try:
        definition = load_text(text, "fuzz.yaml")
    except DefinitionError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.path == "fuzz.yaml"
            assert problem.line >= 1, problem
            assert problem.column >= 1, problem
            assert problem.message.strip(), problem
    else:
        assert isinstance(definition, Definition)
