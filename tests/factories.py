"""Shared factory_boy factories; cities and districts come from the reference migration."""

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from accounts.models import User
from accounts.roles import Role
from stations.choices import HostNature, Level, StationStatus, SupervisingCast
from stations.models import (
    ActivityRecord,
    City,
    District,
    Expert,
    HostUnit,
    Society,
    Station,
    StationExpert,
)
from stations.reference import ensure_reference_cities
from stations.validators import credit_code_check_char


def city(code: str = "shenyang") -> City:
    # Transactional tests flush the tables the reference migration filled: refill on demand.
    if not City.objects.filter(code=code).exists():
        ensure_reference_cities(City, District)
    return City.objects.get(code=code)


def district_of(city_obj: City, index: int = 0) -> District:
    return city_obj.districts.order_by("id")[index]


def make_credit_code(n: int) -> str:
    """Return a checksum-valid credit code: 91 (enterprise) + area 210100 + 9-digit org code."""
    first17 = f"91210100{n:09d}"
    return first17 + credit_code_check_char(first17)


class SocietyFactory(DjangoModelFactory):
    class Meta:
        model = Society

    city = factory.LazyFunction(lambda: city("shenyang"))
    name = factory.Sequence(lambda n: f"测试学会{n}")
    level = Level.NATIONAL
    discipline = factory.Sequence(lambda n: f"专业{n}")
    supervising_cast = SupervisingCast.NATIONAL
    rating = "4A"


class HostUnitFactory(DjangoModelFactory):
    class Meta:
        model = HostUnit

    city = factory.LazyFunction(lambda: city("shenyang"))
    district = factory.LazyAttribute(lambda o: district_of(o.city))
    name = factory.Sequence(lambda n: f"测试建站单位{n}有限公司")
    nature = HostNature.ENTERPRISE
    credit_code = factory.Sequence(make_credit_code)
    legal_rep = "张三"
    registered_city = factory.LazyAttribute(lambda o: f"{o.city.name}市")


class ExpertFactory(DjangoModelFactory):
    class Meta:
        model = Expert

    city = factory.LazyFunction(lambda: city("shenyang"))
    name = factory.Sequence(lambda n: f"专家{n}")
    title = "教授"
    field = "机械工程"
    employer = factory.Sequence(lambda n: f"某大学{n}")
    province = "辽宁省"
    mobile = "13800138000"
    email = factory.Sequence(lambda n: f"expert{n}@example.cn")


class StationFactory(DjangoModelFactory):
    class Meta:
        model = Station

    city = factory.LazyFunction(lambda: city("shenyang"))
    society = factory.SubFactory(SocietyFactory, city=factory.SelfAttribute("..city"))
    host_unit = factory.SubFactory(HostUnitFactory, city=factory.SelfAttribute("..city"))
    district = factory.LazyAttribute(lambda o: o.host_unit.district)
    level = Level.NATIONAL
    program = "filing"
    name = factory.Sequence(lambda n: f"测试服务站{n}")
    status = StationStatus.CERTIFIED
    agreement_signed_on = dt.date(2024, 3, 1)
    term_start = dt.date(2024, 3, 1)
    term_end = dt.date(2026, 2, 28)


class StationExpertFactory(DjangoModelFactory):
    class Meta:
        model = StationExpert

    station = factory.SubFactory(StationFactory)
    expert = factory.SubFactory(ExpertFactory, city=factory.SelfAttribute("..station.city"))
    joined_on = dt.date(2024, 3, 1)


class ActivityRecordFactory(DjangoModelFactory):
    class Meta:
        model = ActivityRecord

    station = factory.SubFactory(StationFactory)
    kind = "training"
    date = dt.date(2025, 5, 10)
    title = factory.Sequence(lambda n: f"活动{n}")
    quantity = 1


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.CITY_ADMIN
    city = factory.LazyFunction(lambda: city("shenyang"))
    password = factory.PostGenerationMethodCall("set_password", "pw-Secret-123")

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()
