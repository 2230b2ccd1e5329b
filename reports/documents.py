"""Official documents as PDF: what each one shows, loaded through the owning app's selectors.

Each builder takes the user and an id, loads the object the way its own pages do (404
alike for missing and forbidden), checks the document makes sense for the object's state,
and returns (template, context, filename). Rendering is reports.pdf.render_pdf.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from policies.api import GRADE_LABELS, LEVEL_LABELS, PolicyError, get_policy, outcome_wording

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
    from policies.api import all_policies

    text = str(clause or "").strip()
    for policy in all_policies().values():
        if text == policy.name_zh or text.startswith(f"{policy.name_zh} "):
            return policy.cite(text)
    return text


def cite_clauses(clauses) -> str:
    return "、".join(dict.fromkeys(cite_clause(c) for c in clauses or () if c))


def paper_date(value) -> str:
    """Return a date the way the notices write it: 2025年5月1日 (never ISO on paper)."""
    return f"{value.year}年{value.month}月{value.day}日"


# Workflow states in brackets (“（待财务审核拨付）”) are the platform's, not the public's.
_INTERNAL_STATE = re.compile(r"[（(]待[^）)]*[）)]")


def public_text(text: str) -> str:
    return _INTERNAL_STATE.sub("", str(text or "")).strip()


def issuer_for(city) -> str:
    return f"{city.name}市科学技术协会"


def redhead(user, *, kind: str, obj, city, year: int) -> dict:
    """The issuing header of a document: the 科协 in red over a rule, and its 文号."""
    from .services import document_number_assign

    number = document_number_assign(kind=kind, obj=obj, city=city, year=year, actor=user)
    return {"issuer": issuer_for(city), "doc_number": number.number}


def office_contact(city, publisher=None) -> dict:
    """Where objections go: the city's office (settings.CITY_OFFICE_CONTACTS[city code]),
    with the publishing officer's name, mobile and e-mail filling what is not configured."""
    from django.conf import settings

    configured = dict((getattr(settings, "CITY_OFFICE_CONTACTS", None) or {}).get(city.code, {}))
    contact = {
        "office": configured.get("office") or f"{issuer_for(city)}学会部",
        "person": configured.get("person") or getattr(publisher, "full_name", "") or "",
        "phone": configured.get("phone") or getattr(publisher, "mobile", "") or "",
        "address": configured.get("address") or "",
        "email": configured.get("email") or getattr(publisher, "email", "") or "",
    }
    return contact


def _granted(app):
    """The amount the application was granted (the grant the certification created, else
    the approved amount); None for a program without money."""
    from funding.models import Grant

    grant = Grant.objects.filter(application=app).order_by("pk").first()
    if grant is not None and grant.amount:
        return grant.amount
    return app.amount or None


def _award_expert(app) -> str:
    """The expert an individual award (连云港 首席专家) goes to; "" for a society's program."""
    try:
        applicant = get_policy(app.city.policy_code).program(app.program).applicant
    except PolicyError:
        return ""
    return (app.form_data or {}).get("expert_name", "") if applicant == "expert" else ""


def station_document_label(wording) -> str:
    """A station's document is its certificate with the plaque's text: 证书及牌匾文字, or
    表彰证书及牌匾文字 for a commended one."""
    if wording.document.endswith("牌匾文字"):
        return wording.document
    return f"{wording.document}及牌匾文字"


def _outcome(city, code: str) -> str:
    try:
        return get_policy(city.policy_code).program(code).outcome
    except PolicyError:
        return "certify"


def _program_label(city, code: str) -> str:
    from stations.templatetags.stations_tags import program_label_for

    return program_label_for(city.policy_code, code)


# --- certificate / plaque -------------------------------------------------------------------

# A certificate is issued to a station in good standing: not while it is suspended or being
# rectified (the plaque stays, but no new certificate is printed).
CERTIFIED_STATUSES = {"certified", "key_supported"}


def certificate(user, station_pk: int):
    from stations.selectors import get_station

    station = get_station(user, station_pk)
    if station.status in {"rectification", "suspended"}:
        raise DocumentNotAvailable("该服务站正在限期整改或暂停资助，暂不出具证书。")
    if station.status not in CERTIFIED_STATUSES or not station.certified_on:
        raise DocumentNotAvailable("该服务站尚未认定（命名），没有证书和牌匾文字。")
    head = redhead(
        user, kind="certificate", obj=station, city=station.city, year=station.certified_on.year
    )
    # --- outcome wording --- a commended station (连云港 表彰) is not "认定" on paper.
    wording = outcome_wording(station.city, station.program)
    context = {
        **head,
        "station": station,
        "wording": wording,
        "outcome": _outcome(station.city, station.program),
        "program": _program_label(station.city, station.program),
        "level": LEVEL_LABELS.get(station.level, station.level),
        "certificate_no": station.certificate_no or head["doc_number"],
        "issued_on": cn_date(station.certified_on),
        "term": (
            f"{cn_date(station.term_start)}至{cn_date(station.term_end)}"
            if station.term_start and station.term_end
            else ""
        ),
        "title": f"{station.name} {station_document_label(wording)}",
    }
    return (
        "reports/pdf/certificate.html",
        context,
        f"{station.name}-{wording.heading.replace('　', '')}.pdf",
    )


# --- outcome document of a program without a station: 立项通知 / 表彰证书 ---------------------


def outcome_document(user, application_pk: int):
    """The official document of an application certified without a station: a research
    topic's or activity's 立项通知, an award's 表彰证书 (Program.outcome). Its 文号 is the
    one the certification took (applications.services._certify numbers the application)."""
    from applications.selectors import application_get

    app = application_get(user, application_pk)
    cert = getattr(app, "certification", None)
    if cert is None or app.outcome != "certified":
        raise DocumentNotAvailable("该申报尚未办结通过，没有立项通知或表彰证书。")
    if cert.station_id is not None:
        raise DocumentNotAvailable("该申报已认定服务站，请查看服务站的证书及牌匾文字。")
    wording = outcome_wording(app.city, app.program)
    context = {
        "issuer": issuer_for(app.city),
        "doc_number": cert.certificate_no,
        "app": app,
        "wording": wording,
        "outcome": _outcome(app.city, app.program),
        "program": _program_label(app.city, app.program),
        "level": LEVEL_LABELS.get(app.level, app.level),
        # An individual award (连云港 首席专家) goes to the expert the society put forward.
        "expert": _award_expert(app),
        "amount": _money(_granted(app)),
        "policy_title": _policy_title(app.city),
        "issued_on": cn_date(cert.issued_on),
        "title": f"{app.title} {wording.document}",
    }
    return (
        "reports/pdf/outcome_document.html",
        context,
        f"{app.title}-{wording.document}.pdf",
    )


# --- evaluation result notice ---------------------------------------------------------------


def evaluation_notice(user, evaluation_pk: int):
    from evaluations.models import StationEvaluation
    from evaluations.selectors import get_evaluation

    evaluation = get_evaluation(user, evaluation_pk)
    if evaluation.status != StationEvaluation.Status.CONFIRMED:
        raise DocumentNotAvailable("考核结果尚未确认，不能出具结果通知。")
    station = evaluation.station
    decision = evaluation.decision or {}
    issued = timezone.localtime(evaluation.confirmed_at).date()
    consequences = [
        {"label": public_text(c.get("label", "")), "clause": cite_clause(c.get("clause", ""))}
        for c in decision.get("consequences", [])
    ]
    context = {
        **redhead(
            user, kind="evaluation_notice", obj=evaluation, city=station.city, year=issued.year
        ),
        "evaluation": evaluation,
        "station": station,
        "grade": GRADE_LABELS.get(evaluation.grade, evaluation.grade),
        "consequences": consequences,
        "clauses": cite_clauses((decision.get("year") or {}).get("clauses", [])),
        "policy_title": _policy_title(station.city),
        "rectification_deadline": paper_date(evaluation.rectification_deadline)
        if evaluation.rectification_deadline
        else "",
        "issued_on": paper_date(issued),
        "title": f"关于{station.name}{evaluation.year}年度考核结果的通知",
    }
    return "reports/pdf/evaluation_notice.html", context, f"{context['title']}.pdf"


def _policy_title(city) -> str:
    from policies.api import get_policy

    try:
        return f"《{get_policy(city.policy_code).document_zh}》"
    except Exception:  # noqa: BLE001
        return "本市学会服务站管理办法"


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
        **redhead(
            user, kind="public_notice", obj=notice, city=notice.city, year=notice.start_on.year
        ),
        "notice": notice,
        "rows": rows,
        "clause": cite_clause(notice.clause) if notice.clause else "",
        "contact": office_contact(notice.city, notice.published_by),
        "issued_on": paper_date(notice.start_on),
        "start": paper_date(notice.start_on),
        "end": paper_date(notice.end_on),
        "title": notice.title,
    }
    return "reports/pdf/public_notice.html", context, f"{notice.title}.pdf"


# --- application forms (申报书) -------------------------------------------------------------


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


@dataclass
class Box:
    label: str
    ticked: bool


def _boxes(choices, chosen) -> list[Box]:
    """Every option of a □ list, the chosen one(s) ticked (☑), as the printed form has them."""
    chosen = set(chosen if isinstance(chosen, list | tuple | set) else [chosen])
    return [Box(str(label), code in chosen) for code, label in choices]


def _money(value) -> str:
    """60000 → 60,000.00 (the 申报书's amounts, always with two decimals)."""
    if value is None:
        return ""
    return f"{Decimal(value):,.2f}"


def printable_form_for(city, program: str):
    """The official 申报书 the city's policy declares for the program, or None."""
    try:
        return get_policy(city.policy_code).printable_forms.get(program)
    except PolicyError:
        return None


def application_form(user, application_pk: int):
    """The city's 申报书 printed as its seed form: cover page, the form's own sections and
    boxes field for field (□ lists with every option, the chosen one ticked)."""
    from applications.forms import budget_total, form_class_for, rmb_uppercase
    from applications.selectors import application_get

    app = application_get(user, application_pk)
    code = app.city.policy_code
    printable = printable_form_for(app.city, app.program)
    if printable is None:
        raise DocumentNotAvailable("本市该项目没有规定格式的申报书。")
    form = form_class_for(code, app.program)(draft=True)
    data = {"title": app.title, "level": app.level, **(app.form_data or {})}
    v = {
        name: _display(field, data.get(name), name, user, app)
        for name, field in form.fields.items()
    }
    budget = []
    for row in data.get("budget", []) or []:
        try:
            amount = Decimal(str(row.get("amount") or "0"))
        except InvalidOperation:
            amount = None
        budget.append({**row, "amount": _money(amount)})
    total = budget_total(data.get("budget", []))
    submitted = timezone.localtime(app.submitted_at).date() if app.submitted_at else None
    context = {
        "app": app,
        "city_code": code,
        "v": v,
        "issuer": issuer_for(app.city),
        "submitted_on": paper_date(submitted) if submitted else "",
        "budget": budget,
        "budget_rows_blank": range(max(0, 8 - len(budget))),
        "budget_total": _money(total),
        "budget_total_upper": rmb_uppercase(total),
    }
    if printable.applicant == "unit_name":
        applicant = v.get("unit_name") or (app.host_unit.name if app.host_unit else "")
    else:
        applicant = app.society.name
    context.update(
        {
            "title": printable.title,
            "applicant": applicant,
            "levels": _boxes(printable.level_boxes, app.level),
            "society_name": v.get("society_name") or app.society.name,
            "instructions": printable.instructions,
            "common_terms": printable.common_terms,
        }
    )
    for name, field_name in printable.choice_boxes.items():
        context[name] = _boxes(form.fields[field_name].choices, data.get(field_name))
    return printable.template, context, f"{app.title}-申报书.pdf"


DOCUMENTS = {
    "certificate": certificate,
    "outcome_document": outcome_document,
    "evaluation_notice": evaluation_notice,
    "public_notice": public_notice,
    "application_form": application_form,
}


# --- links: which official documents a page offers (applications and station pages) ---------


@dataclass(frozen=True)
class DocumentLink:
    kind: str
    pk: int
    label: str

    @property
    def url(self) -> str:
        from django.urls import reverse

        return reverse("reports:document", args=[self.kind, self.pk])


def _certificate_available(station) -> bool:
    # The same conditions `certificate` refuses on, checked without rendering (no 文号 taken).
    return bool(station.status in CERTIFIED_STATUSES and station.certified_on)


def _outcome_document_available(application) -> bool:
    # The conditions `outcome_document` refuses on: certified, and no station to carry it.
    cert = getattr(application, "certification", None)
    return bool(application.outcome == "certified" and cert is not None and not cert.station_id)


def document_links(user, *, application=None, station=None) -> list[DocumentLink]:
    """Return the official documents that exist for the page's object and `user` may open.

    Read only: each document is offered on the conditions its builder checks, through the
    same scoping, so a link never leads to a refusal or a 404. Experts are offered none (an
    expert under blind review must not learn the applicant from a certificate).
    """
    from django.utils.translation import gettext as _

    from accounts.roles import Role
    from accounts.scoping import scope_queryset

    if user is None or not user.is_authenticated or user.role == Role.EXPERT_REVIEWER:
        return []
    links: list[DocumentLink] = []
    if application is not None:
        from applications.selectors import notice_list

        if printable_form_for(application.city, application.program) is not None:
            links.append(DocumentLink("application_form", application.pk, _("申报书（打印版）")))
        for notice in notice_list(user).filter(applications=application).order_by("start_on"):
            links.append(DocumentLink("public_notice", notice.pk, _("公示：%s") % notice.title))
        if _outcome_document_available(application):
            wording = outcome_wording(application.city, application.program)
            links.append(DocumentLink("outcome_document", application.pk, _(wording.document)))
        station = station or application.station
    if station is not None:
        from stations.models import Station

        visible = scope_queryset(
            user, Station.objects.filter(pk=station.pk), perm="stations.view_station"
        )
        if _certificate_available(station) and visible.exists():
            wording = outcome_wording(station.city, station.program)
            label = _(wording.document)
            if station_document_label(wording) != wording.document:
                label = _("%s及牌匾文字") % label
            links.append(DocumentLink("certificate", station.pk, label))
        if application is None:
            from evaluations.models import StationEvaluation
            from evaluations.selectors import evaluation_list

            confirmed = evaluation_list(user).filter(
                station=station, status=StationEvaluation.Status.CONFIRMED
            )
            for evaluation in confirmed.order_by("year"):
                links.append(
                    DocumentLink(
                        "evaluation_notice",
                        evaluation.pk,
                        _("%s年度考核结果通知") % evaluation.year,
                    )
                )
    return links
