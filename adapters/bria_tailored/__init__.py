"""bria-tailored: the Python SDK and command line for Bria's Tailored Generation API."""

from ._version import __version__

__all__ = ["__version__"]
