"""Register the invented sixth city (testcity.py) for one test and give it its City row.

A real city needs the same two things: its module (in policies/cities/, found by the
registry) and its reference row with districts (stations/reference.py, by a data migration).
"""

import pytest

from policies.registry import register
from stations.models import City, District
from tests.sixth_city import testcity

DISTRICTS = ("甲区", "乙县")


@pytest.fixture
def testcity_city(db):
    """The sixth city's policy registered and its City + districts created; removed after."""
    unregister = register(testcity.POLICY)
    try:
        city = City.objects.create(
            code=testcity.CODE,
            name=testcity.C,
            province=testcity.POLICY.province_zh,
            policy_code=testcity.CODE,
        )
        for name in DISTRICTS:
            District.objects.create(city=city, name=name)
        yield city
    finally:
        unregister()
