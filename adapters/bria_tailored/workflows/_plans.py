"""Facade methods as plans, for workflows that compose them with ``yield from``.

A resource method validates its arguments, builds a plan and hands it to its core's ``run``. Give the
resource groups a core whose ``run`` returns the plan unchanged and every public method — with all its
validation and request building — becomes a step a workflow can ``yield from``; the client's own core then
runs the whole workflow, blocking or awaiting. No method is written twice.
"""

from __future__ import annotations

from typing import Any

from .._core import Plan
from ..resources import Datasets, Generate, Models, Projects, Status


class _PlanCore:
    """A stand-in core: ``run(plan)`` returns the plan; ``config`` is the real core's."""

    def __init__(self, core: Any) -> None:
        self.config = core.config

    def run(self, plan: Plan[Any]) -> Plan[Any]:
        return plan


class Plans:
    """``plans.projects.create(...)`` etc. return plans instead of results (see the module docstring)."""

    def __init__(self, core: Any) -> None:
        capture = _PlanCore(core)
        # Typed Any: each method returns the plan of its declared result, not the result itself.
        self.projects: Any = Projects(capture)
        self.datasets: Any = Datasets(capture)
        self.images: Any = self.datasets.images
        self.models: Any = Models(capture)
        self.generate: Any = Generate(capture)
        self.status: Any = Status(capture)
