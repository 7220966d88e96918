"""The front page: the published definitions and their state machines.

A placeholder for the officer, citizen, administrator and auditor UI (the web issue):
it lets ``make run`` show what the engine holds. Jinja escapes everything it renders.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template_string

from engine import registry
from web.extensions import app_store
from workflow.diagram import mermaid

home = Blueprint("home", __name__)

PAGE = """<!doctype html>
<html lang="id"><head><meta charset="utf-8"><title>Diktum</title></head>
<body>
<h1>Diktum</h1>
<p>Alur kerja pengaduan masyarakat dari diktum Instruksi DKI Jakarta.</p>
{% for item in items %}
<section>
<h2>{{ item.title }} ({{ item.key }})</h2>
<p>{{ item.basis }}</p>
<pre>{{ item.diagram }}</pre>
</section>
{% endfor %}
</body></html>
"""


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
    return render_template_string(PAGE, items=items)
