"""Resource groups of the facade (``client.projects``, ``client.datasets``, ...), written once for both
clients: each method builds a plan that the client's core runs (see :mod:`bria_tailored._core`)."""

from .datasets import Datasets, Images
from .generate import Generate
from .models import Checkpoints, Models
from .projects import Projects
from .status import Status

__all__ = ["Checkpoints", "Datasets", "Generate", "Images", "Models", "Projects", "Status"]
