"""The scenarios ``diktum bench`` runs, by name, and what each one's figure is."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from engine.bench.common import Options

SCENARIOS: dict[str, str] = {
    "tick": "engine.bench.tick",
    "tick-scaling": "engine.bench.scaling",
    "intake": "engine.bench.intake",
    "action": "engine.bench.action",
    "replay": "engine.bench.replay",
    "peer": "engine.bench.peer",
    "naive": "engine.bench.naive",
}
"""Scenario name -> module with ``run(options) -> dict``, in the order ``all`` runs them."""


def runner(name: str) -> Callable[[Options], dict[str, Any]]:
    """The ``run`` function of scenario ``name`` (its module is imported only now: the peer
    scenario needs the ``bench`` extra)."""
    module = importlib.import_module(SCENARIOS[name])
    run: Callable[[Options], dict[str, Any]] = module.run
    return run
