"""The conformance kit's pytest plugin: ``--bria-storage-uri`` for ``StorageConformance`` classes that
name no storage of their own, so one test module checks whatever storage the command line points at::

    # test_team_bucket.py
    from bria_tailored.testing import StorageConformance

    class TestTeamBucket(StorageConformance): ...

    $ pytest -p bria_tailored.testing.plugin --bria-storage-uri s3://team-bucket/ci test_team_bucket.py

Load it with ``-p bria_tailored.testing.plugin`` or ``pytest_plugins = ["bria_tailored.testing.plugin"]``
in a ``conftest.py``; it is not loaded automatically.
"""

from __future__ import annotations

import pytest

__all__ = ["pytest_addoption"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("bria-tailored", "bria-tailored storage conformance kit")
    group.addoption(
        "--bria-storage-uri",
        dest="bria_storage_uri",
        default=None,
        metavar="URI",
        help="storage URI for StorageConformance classes without storage_uri (e.g. s3://bucket/prefix)",
    )
