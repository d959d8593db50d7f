"""The API as plans, for workflows that compose facade methods with ``yield from``.

The plan groups (:mod:`bria_tailored.resources`) are what both clients run; a workflow takes them directly:
``project = yield from api.projects.create(...)``, with all their validation and request building. The
client's own engine then runs the whole workflow, blocking or awaiting. No method is written twice.
"""

from __future__ import annotations

from ..resources.datasets import DatasetPlans, ImagePlans
from ..resources.generate import GeneratePlans
from ..resources.models import ModelPlans
from ..resources.projects import ProjectPlans
from ..resources.status import StatusPlans
from ..transport import Connection


class Plans:
    """``plans.projects.create(...)`` etc. return plans (see the module docstring)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.projects = ProjectPlans(conn)
        self.datasets = DatasetPlans(conn)
        self.images: ImagePlans = self.datasets.images
        self.models = ModelPlans(conn)
        self.generate = GeneratePlans(conn)
        self.status = StatusPlans(conn)
