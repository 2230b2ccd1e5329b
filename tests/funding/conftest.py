"""Funding fixtures. The `postgres` and `celery_worker` skips live in tests/conftest.py."""

import pytest
from django.db import connection


@pytest.fixture
def on_postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
