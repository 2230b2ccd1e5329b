"""Network fixtures: an enterprise, its demand, and a clean throttle counter per test."""

import pytest
from django.core.cache import cache

from accounts.roles import Role
from network import services
from tests.factories import make_credit_code

PASSWORD = "pw-Secret-123"


@pytest.fixture(autouse=True)
def _fresh_cache_and_fast_forms(settings):
    # The registration throttle lives in the (process-wide LocMem) cache.
    cache.clear()
    settings.NETWORK_REGISTER_MIN_SECONDS = 0
    yield
    cache.clear()


@pytest.fixture
def make_enterprise(db):
    counter = iter(range(900_000, 999_999))

    def _make(city, name="测试科技有限公司", username=None):
        n = next(counter)
        return services.enterprise_register(
            city=city,
            name=f"{name}{n}",
            credit_code=make_credit_code(n),
            contact_name="王经理",
            contact_mobile="13700000000",
            contact_email=f"ent{n}@example.cn",
            username=username or f"ent{n}",
            password=PASSWORD,
        )

    return _make


@pytest.fixture
def enterprise(make_enterprise, shenyang):
    return make_enterprise(shenyang)


@pytest.fixture
def submit_demand(db):
    def _submit(enterprise, **fields):
        values = {
            "title": "数控机床主轴振动问题",
            "description": "机械加工过程中主轴振动较大，需要机械工程专家诊断。",
            "industry": "装备制造",
            "field": "机械工程",
            "urgency": "normal",
            **fields,
        }
        return services.demand_submit(enterprise=enterprise, actor=enterprise.user, **values)

    return _submit


@pytest.fixture
def demand(enterprise, submit_demand):
    return submit_demand(enterprise)


@pytest.fixture
def city_admin(personas):
    return personas["admin"]


__all__ = ["PASSWORD", "Role"]
