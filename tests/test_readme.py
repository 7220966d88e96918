"""The README stays true: its diagrams are the shipped definitions' diagrams."""

from __future__ import annotations

import os
import re

from tests.conftest import DEFINITIONS, ROOT
from workflow.diagram import mermaid
from workflow.loader import load_file

START, END = "<!-- diagrams:start -->", "<!-- diagrams:end -->"


def expected_block() -> str:
    parts = []
    for path in sorted(DEFINITIONS.glob("*.yaml")):
        definition = load_file(path)
        parts.append(
            f"#### {definition.basis.instrument} No. {definition.basis.number}\n\n"
            f"```mermaid\n{mermaid(definition)}```\n"
        )
    return "\n" + "\n".join(parts)


def test_readme_diagrams_are_those_of_the_shipped_definitions() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    current = readme[readme.index(START) + len(START) : readme.index(END)]
    if os.environ.get("DIKTUM_UPDATE_README") == "1":
        updated = readme.replace(current, expected_block())
        (ROOT / "README.md").write_text(updated, encoding="utf-8")
        return
    assert current == expected_block(), "run: DIKTUM_UPDATE_README=1 make test"


def test_every_image_the_readme_shows_exists() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", readme)
    assert images, "the tour shows screenshots"
    assert [i for i in images if not (ROOT / i).is_file()] == []
