"""Official documents as PDF: what each one shows, loaded through the owning app's selectors.

Each builder takes the user and an id, loads the object the way its own pages do (404
alike for missing and forbidden), checks the document makes sense for the object's state,
and returns (template, context, filename). Rendering is reports.pdf.render_pdf.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from policies.types import GRADE_LABELS, LEVEL_LABELS

CN_DIGITS = "〇一二三四五六七八九"


class DocumentNotAvailable(PermissionDenied):
    """The object exists and is visible, but its state has no such document yet."""


def cn_date(value) -> str:
    """Return a date the way official documents write it: 二〇二五年三月一日."""

    def number(n: int) -> str:
        if n < 10:
            return CN_DIGITS[n]
        tens, ones = divmod(n, 10)
        return ("十" if tens == 1 else CN_DIGITS[tens] + "十") + (CN_DIGITS[ones] if ones else "")

    year = "".join(CN_DIGITS[int(d)] for d in str(value.year))
    return f"{year}年{number(value.month)}月{number(value.day)}日"


def cite_clause(clause: str) -> str:
    """A stored clause reference (`沈阳 三(三)`) as printed on paper: by the policy's title and
    article. A reference naming no known city is returned as it is."""
    from policies.registry import all_policies

    text = str(clause or "").strip()
    for policy in all_policies().values():
        if text == policy.name_zh or text.startswith(f"{policy.name_zh} "):
            return policy.cite(text)
    return text


def cite_clauses(clauses) -> str:
    return "、".join(dict.fromkeys(cite_clause(c) for c in clauses or () if c))


def issuer_for(city) -> str:
    return f"{city.name}市科学技术协会"


def _program_label(city, code: str) -> str:
    from stations.templatetags.stations_tags import program_label_for

    return program_label_for(city.policy_code, code)


# --- certificate / plaque -------------------------------------------------------------------

CERTIFIED_STATUSES = {"certified", "key_supported", "rectification", "suspended"}


def certificate(user, station_pk: int):
    from stations.selectors import get_station

    station = get_station(user, station_pk)
    if station.status not in CERTIFIED_STATUSES or not station.certified_on:
        raise DocumentNotAvailable("该服务站尚未认定（命名），没有证书和牌匾文字。")
    context = {
        "station": station,
        "program": _program_label(station.city, station.program),
        "level": LEVEL_LABELS.get(station.level, station.level),
        "issuer": issuer_for(station.city),
        "issued_on": cn_date(station.certified_on),
        "title": f"{station.name} 证书及牌匾文字",
    }
    return "reports/pdf/certificate.html", context, f"{station.name}-证书.pdf"


# --- evaluation result notice ---------------------------------------------------------------


def evaluation_notice(user, evaluation_pk: int):
    from evaluations.models import StationEvaluation
    from evaluations.selectors import get_evaluation

    evaluation = get_evaluation(user, evaluation_pk)
    if evaluation.status != StationEvaluation.Status.CONFIRMED:
        raise DocumentNotAvailable("考核结果尚未确认，不能出具结果通知。")
    station = evaluation.station
    decision = evaluation.decision or {}
    context = {
        "evaluation": evaluation,
        "station": station,
        "grade": GRADE_LABELS.get(evaluation.grade, evaluation.grade),
        "consequences": decision.get("consequences", []),
        "clauses": (decision.get("year") or {}).get("clauses", []),
        "issuer": issuer_for(station.city),
        "issued_on": cn_date(timezone.localtime(evaluation.confirmed_at).date()),
        "title": f"{station.name}{evaluation.year}年度考核结果通知",
    }
    return "reports/pdf/evaluation_notice.html", context, f"{context['title']}.pdf"


# --- public notice list ---------------------------------------------------------------------


def public_notice(user, notice_pk: int):
    from applications.selectors import decorate, notice_get

    notice = notice_get(user, notice_pk)
    rows = decorate(
        notice.applications.select_related("city", "society", "host_unit", "district").order_by(
            "program", "level", "title"
        )
    )
    for row in rows:
        row.level_label = LEVEL_LABELS.get(row.level, row.level)
    context = {
        "notice": notice,
        "rows": rows,
        "issuer": issuer_for(notice.city),
        "issued_on": cn_date(notice.start_on),
        "start": cn_date(notice.start_on),
        "end": cn_date(notice.end_on),
        "title": notice.title,
    }
    return "reports/pdf/public_notice.html", context, f"{notice.title}.pdf"


# --- application forms (申报书) -------------------------------------------------------------

PRINTABLE_FORMS = {("yiyang", "station"), ("guiyang", "station")}


@dataclass
class FormLine:
    label: str
    value: str
    wide: bool = False


def _display(field, value, name: str, user, application) -> str:
    from django import forms

    from stations.privacy import bank_account_for

    if value in (None, "", []):
        return ""
    if name == "bank_account_no":
        # The account belongs to the society (贵阳 四(四) pays the society): mask it for others.
        return bank_account_for(user, application.society, str(value))
    if isinstance(field, forms.MultipleChoiceField):
        labels = dict(field.choices)
        return "、".join(str(labels.get(v, v)) for v in value)
    if isinstance(field, forms.ChoiceField):
        return str(dict(field.choices).get(value, value))
    return str(value)


def application_form(user, application_pk: int):
    from applications.forms import budget_total, form_class_for, rmb_uppercase
    from applications.selectors import application_get

    app = application_get(user, application_pk)
    code = app.city.policy_code
    if (code, app.program) not in PRINTABLE_FORMS:
        raise DocumentNotAvailable("本市该项目没有规定格式的申报书。")
    form = form_class_for(code, app.program)(draft=True)
    data = {"title": app.title, "level": app.level, **(app.form_data or {})}
    sections = []
    for heading, fields in form.grouped():
        lines = [
            FormLine(
                str(bf.label),
                _display(bf.field, data.get(bf.name), bf.name, user, app),
                wide=bf.field.widget.__class__.__name__ == "Textarea",
            )
            for bf in fields
        ]
        sections.append((str(heading), lines))
    budget = []
    for row in data.get("budget", []) or []:
        try:
            amount = Decimal(str(row.get("amount") or "0"))
        except InvalidOperation:
            amount = None
        budget.append({**row, "amount": amount})
    total = budget_total(data.get("budget", []))
    city_name = app.city.name
    title = (
        f"{city_name}市重点产业领域学会服务站申报书"
        if code == "yiyang"
        else "“科创中国”贵阳学会产业科技服务工作站申报书"
    )
    context = {
        "app": app,
        "city_code": code,
        "sections": sections,
        "has_budget": form.has_budget,
        "budget": budget,
        "budget_total": total,
        "budget_total_upper": rmb_uppercase(total),
        "level": LEVEL_LABELS.get(app.level, app.level),
        "issuer": issuer_for(app.city),
        "submitted_on": cn_date(timezone.localtime(app.submitted_at).date())
        if app.submitted_at
        else "",
        "title": title,
    }
    return "reports/pdf/application_form.html", context, f"{app.title}-申报书.pdf"


DOCUMENTS = {
    "certificate": certificate,
    "evaluation_notice": evaluation_notice,
    "public_notice": public_notice,
    "application_form": application_form,
}
