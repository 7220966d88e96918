"""The front page: what Diktum is, the way in for each kind of user, and the published
definitions with their state machines."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from engine import registry
from web.extensions import app_store
from workflow.diagram import mermaid

home = Blueprint("home", __name__)


@home.get("/")
def index() -> str:
    with app_store(current_app).read() as conn:
        versions = registry.all_versions(conn)
    items = [
        {
            "title": p.definition.title,
            "key": p.definition.key,
            "basis": f"{p.definition.basis.instrument} No. {p.definition.basis.number}",
            "diagram": mermaid(p.definition),
        }
        for p in versions
    ]
    return render_template("home.html", items=items)
