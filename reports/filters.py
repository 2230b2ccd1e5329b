"""FilterSets of the lists that had none yet (applications, evaluations, disbursements).

Stations keep their own stations.filters.StationFilter; all build on its SearchFilterSet so
every list filters the same way. Field names are fixed here: no user-supplied ORM keys.
"""

from __future__ import annotations

import django_filters

from evaluations.models import StationEvaluation
from policies.api import GRADE_LABELS
from stations.choices import Level
from stations.filters import SearchFilterSet


class ApplicationFilter(SearchFilterSet):
    search_fields = ("title", "society__name", "host_unit__name")
    program = django_filters.CharFilter(label="项目代码")
    stage = django_filters.CharFilter(label="环节代码")
    level = django_filters.ChoiceFilter(choices=Level.choices, label="申报级别")
    year = django_filters.NumberFilter(
        field_name="created_at", lookup_expr="year", label="创建年度"
    )
    withdrawn = django_filters.BooleanFilter(label="已撤回")


class EvaluationFilter(SearchFilterSet):
    search_fields = ("station__name",)
    year = django_filters.NumberFilter(label="考核年度")
    status = django_filters.ChoiceFilter(choices=StationEvaluation.Status.choices, label="状态")
    grade = django_filters.ChoiceFilter(choices=list(GRADE_LABELS.items()), label="等次")


class DisbursementFilter(SearchFilterSet):
    search_fields = ("grant__station__name", "voucher_no", "payee_account_name")
    year = django_filters.NumberFilter(label="资助年度")
    program = django_filters.CharFilter(field_name="grant__program", label="项目代码")
    paid_from = django_filters.DateFilter(
        field_name="paid_on", lookup_expr="gte", label="支付日期起"
    )
    paid_to = django_filters.DateFilter(field_name="paid_on", lookup_expr="lte", label="支付日期止")
