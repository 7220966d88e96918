"""Officers: their units' inbox, the case page with its actions, intake with a receipt.

Who may see and do what is the engine's rule, applied here before anything is shown:
an officer covers their own unit and every unit below it (``UnitTree.covers``); the
actions offered are the definition's manual transitions for their role whose conditions
hold (``WorkflowMachine.actions``); ``engine.cases.fire`` checks all of it again inside
the write transaction, with the row version the page was shown at.
"""

from __future__ import annotations

from web.officer import cases, inbox, intake  # noqa: F401 (registers their pages)
from web.officer.blueprint import officer

# The package: ``blueprint`` (the blueprint and what its pages share), ``inbox``,
# ``cases`` (the case page and its actions) and ``intake`` (intake and the receipt).
# Importing a page's module registers its views on the one blueprint.

__all__ = ["officer"]
