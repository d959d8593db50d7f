"""Tests that can be re-recorded against Bria's live API (marked ``live``; skipped unless BRIA_API_TOKEN is set).

Record them (the token is replaced by a placeholder in the cassette, presigned signatures are redacted)::

    BRIA_API_TOKEN=... pytest -m live --record-mode=rewrite tests/test_cassettes_live.py

With the token set and no ``--record-mode`` they replay their cassettes like every other cassette test.
They only create and delete a project and read lists: nothing billed, nothing left behind.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.live, pytest.mark.vcr, pytest.mark.block_network]


def test_live_project_round_trip(bria_target: Any) -> None:
    with bria_target.client() as client:
        project = client.projects.create(
            project_name="bria-tailored cassette check", ip_medium="illustration", ip_type="icons"
        )
        try:
            fetched = client.projects.get(project.id)
            listed = client.projects.list()
        finally:
            client.projects.delete(project.id)
    assert fetched.id == project.id and fetched.project_name == "bria-tailored cassette check"
    assert project.id in [p.id for p in listed]
    assert bria_target.requests("DELETE", f"/v1/tailored-gen/projects/{project.id}")


def test_live_lists_parse(bria_target: Any) -> None:
    with bria_target.client() as client:
        models = client.models.list()
        datasets = client.datasets.list()
    assert isinstance(models, list) and isinstance(datasets, list)
    assert [r.url.path for r in bria_target.sent] == ["/v1/tailored-gen/models", "/v1/tailored-gen/datasets"]
