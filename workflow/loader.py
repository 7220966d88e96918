"""From YAML text to a validated ``Definition``, or every problem with its location."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from workflow.definition import Definition
from workflow.errors import DefinitionError, Problem
from workflow.messages import Text, did_you_mean, text_of
from workflow.source import Loc, Source, parse
from workflow.validation import check


def load_text(text: str, path: str = "<string>") -> Definition:
    """Parse, shape-check and cross-check a definition; raise ``DefinitionError`` if bad."""
    source = parse(text, path)
    if not isinstance(source.data, dict):
        raise DefinitionError([source.problem((), Text("a definition must be a YAML mapping"))])
    try:
        definition = Definition.model_validate(source.data)
    except ValidationError as exc:
        raise DefinitionError(_shape_problems(exc.errors(), source)) from None
    problems = check(definition, source)
    if problems:
        raise DefinitionError(problems)
    return definition


def load_file(path: str | Path) -> Definition:
    """Load a definition file; an unreadable file is a ``DefinitionError`` too."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise DefinitionError(
            [Problem(name, 1, 1, Text("cannot read file: %(reason)s", reason=reason))]
        ) from None
    return load_text(text, name)


def load_all(paths: Iterable[str | Path]) -> list[Definition]:
    """Load several files at once; all problems of all files, and duplicate id+version."""
    problems: list[Problem] = []
    loaded: list[Definition] = []
    seen: dict[str, str] = {}
    for path in paths:
        try:
            definition = load_file(path)
        except DefinitionError as exc:
            problems.extend(exc.problems)
            continue
        if definition.key in seen:
            problems.append(
                Problem(
                    str(path),
                    1,
                    1,
                    Text(
                        "duplicate definition %(key)s: also in %(path)s",
                        key=definition.key,
                        path=seen[definition.key],
                    ),
                )
            )
            continue
        seen[definition.key] = str(path)
        loaded.append(definition)
    if problems:
        raise DefinitionError(problems)
    return loaded


def _shape_problems(errors: list[ErrorDetails], source: Source) -> list[Problem]:
    problems = []
    for error in errors:
        if _only_invalid_items(error):
            continue
        loc = _yaml_loc(error["loc"], source.data)
        if error["type"] == "extra_forbidden":
            hint = did_you_mean(str(loc[-1]), _known_keys(loc[:-1], source.data))
            message = Text("unknown key '%(key)s'%(hint)s", key=str(loc[-1]), hint=hint)
            problems.append(source.problem(loc, message, key=True))
        elif error["type"] == "missing":
            where = ".".join(str(part) for part in loc[:-1])
            message = (
                Text("missing required key '%(key)s' in %(where)s", key=str(loc[-1]), where=where)
                if where
                else Text("missing required key '%(key)s' in the definition", key=str(loc[-1]))
            )
            problems.append(source.problem(loc[:-1], message, key=True))
        else:
            where = ".".join(str(part) for part in loc)
            detail = _plain_message(error)
            message = (
                Text("%(where)s: %(problem)s", where=where, problem=detail) if where else detail
            )
            problems.append(source.problem(loc, message))
    return problems


def _only_invalid_items(error: ErrorDetails) -> bool:
    """Pydantic counts a collection's length after dropping invalid items, so one bad item
    also yields "should have at least 1 item after validation, not 0"; the item's own
    error already says what is wrong."""
    if error["type"] != "too_short":
        return False
    given = error.get("input")
    minimum = error.get("ctx", {}).get("min_length")
    return hasattr(given, "__len__") and isinstance(minimum, int) and len(given) >= minimum


def _yaml_loc(loc: tuple[int | str, ...], data: Any) -> Loc:
    """Pydantic adds validator and union-member names to ``loc``; YAML paths lack them.

    Such a name is dropped only where the data has no key of that name, so a YAML key
    that happens to contain ``[`` is still located.
    """
    result: list[str | int] = []
    node = data
    for part in loc:
        tag = isinstance(part, str) and ("[" in part or part.startswith("function-"))
        if tag and not (isinstance(node, dict) and part in node):
            continue
        result.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
    return tuple(result)


def _plain_message(error: ErrorDetails) -> Text:
    """Pydantic's message for the errors a definition author meets, as a ``Text`` in the
    same words so it can be translated; the value given is added where it helps."""
    value: Any = error.get("input")
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    kind = error["type"]
    if kind == "value_error" and isinstance(ctx.get("error"), Exception):
        return Text("%(problem)s", problem=text_of(ctx["error"]))
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern"))
        return Text(
            "String should match pattern '%(pattern)s': got %(value)r", pattern=pattern, value=value
        )
    if kind in ("enum", "literal_error"):
        expected = str(ctx.get("expected"))
        if isinstance(value, str | int):
            return Text(
                "Input should be %(expected)s, got %(value)r", expected=expected, value=value
            )
        return Text("Input should be %(expected)s", expected=expected)
    known = _PYDANTIC.get(kind)
    if known is not None:
        return known(ctx)
    return Text("%(problem)s", problem=error["msg"])


_PYDANTIC: dict[str, Callable[[dict[str, Any]], Text]] = {
    "int_parsing": lambda _: Text(
        "Input should be a valid integer, unable to parse string as an integer"
    ),
    "int_type": lambda _: Text("Input should be a valid integer"),
    "bool_parsing": lambda _: Text("Input should be a valid boolean, unable to interpret input"),
    "bool_type": lambda _: Text("Input should be a valid boolean"),
    "string_type": lambda _: Text("Input should be a valid string"),
    "dict_type": lambda _: Text("Input should be a valid dictionary"),
    "list_type": lambda _: Text("Input should be a valid list"),
    "tuple_type": lambda _: Text("Input should be a valid tuple"),
    "less_than_equal": lambda ctx: Text(
        "Input should be less than or equal to %(limit)s", limit=str(ctx.get("le"))
    ),
    "greater_than_equal": lambda ctx: Text(
        "Input should be greater than or equal to %(limit)s", limit=str(ctx.get("ge"))
    ),
    "greater_than": lambda ctx: Text(
        "Input should be greater than %(limit)s", limit=str(ctx.get("gt"))
    ),
    "date_from_datetime_parsing": lambda ctx: Text(
        "Input should be a valid date or datetime, %(problem)s", problem=str(ctx.get("error"))
    ),
}
"""Pydantic's wording of the errors met most, each a ``Text``; others pass as pydantic says."""


def _known_keys(parent: Loc, data: Any) -> list[str]:
    """The keys the model at ``parent`` accepts, found by walking the schema."""
    model: Any = Definition
    for part in parent:
        if isinstance(model, type) and issubclass(model, BaseModel):
            field = _field(model, part)
            model = field.annotation if field else None
        elif isinstance(part, int) or _is_mapping_key(model):
            model = _element_type(model)
        else:
            return []
        model = _unwrap(model)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [f.alias or name for name, f in model.model_fields.items()]
    return []


def _field(model: type[BaseModel], name: str | int) -> Any:
    for field_name, field in model.model_fields.items():
        if name in (field_name, field.alias):
            return field
    return None


def _is_mapping_key(annotation: Any) -> bool:
    return getattr(annotation, "__origin__", None) is dict


def _element_type(annotation: Any) -> Any:
    """The value type of ``dict[K, V]`` and the item type of ``tuple[X, ...]``."""
    args = [a for a in getattr(annotation, "__args__", ()) if a is not Ellipsis]
    return args[-1] if args else None


def _unwrap(annotation: Any) -> Any:
    """``X | None`` -> ``X``, so the walk continues into optional sub-models."""
    args = getattr(annotation, "__args__", None)
    if args and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return rest[0] if len(rest) == 1 else annotation
    return annotation
