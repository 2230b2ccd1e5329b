"""Skip logic for the funding/evaluation tests that need real infrastructure.

- `postgres`: runs only when DATABASE_URL points at PostgreSQL (row locks are real there).
- `celery_worker`: runs only when CELERY_BROKER_URL names a reachable broker.
(Proposed for tests/conftest.py so every app shares it.)
"""

import os

import pytest
from django.db import connection


def pytest_collection_modifyitems(config, items):
    pg = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    broker = os.environ.get("CELERY_BROKER_URL", "")
    for item in items:
        if "postgres" in item.keywords and not pg:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL)"))
        if "celery_worker" in item.keywords and not broker:
            item.add_marker(pytest.mark.skip(reason="needs a broker (CELERY_BROKER_URL)"))


@pytest.fixture
def on_postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
