"""The official application forms (申报书): one class per kind of program, chosen by the policy.

Each city's `Program.form` names a key of `FORMS`; `form_class_for` returns its class. A key
names what the form asks for (a filing, a key-support request, a research topic…), never a
city. `form_data` is stored as the posted values (JSON); the form class validates it. A draft
may be saved at any time (nothing required); submitting validates the full form.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import cn2an
from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from policies.api import PolicyError, get_policy
from stations.choices import HostNature, Level

TEXTAREA = forms.Textarea(attrs={"rows": 3})
LEVEL_CHOICES = Level.choices


class ProgramForm(forms.Form):
    """Base of every 申报书: fields the eligibility rules read, then the city's own fields.

    `sections` groups field names under headings for the template.
    """

    sections: tuple[tuple[str, tuple[str, ...]], ...] = ()
    has_budget = False
    # A society applying for a new station names its demand/host unit (the station's host);
    # the clause requiring it is the program's declaration (Program.host_unit_clause).
    needs_host_unit = False

    title = forms.CharField(label=_("申报名称（服务站/项目名称）"), max_length=150)
    level = forms.ChoiceField(label=_("申报级别"), choices=LEVEL_CHOICES)

    def __init__(self, *args, draft: bool = False, levels=None, **kwargs):
        super().__init__(*args, **kwargs)
        if levels:
            self.fields["level"].choices = [c for c in LEVEL_CHOICES if c[0] in levels]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            if isinstance(field.widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                css = "form-check-input"
            field.widget.attrs.setdefault("class", css)
            # Marked with * even in a draft, where nothing is enforced until submission.
            field.required_on_submit = field.required
            if draft:
                field.required = False
        self.draft = draft

    def grouped(self):
        """Return [(heading, [bound fields])] in section order; ungrouped fields first."""
        listed = {name for _h, names in self.sections for name in names}
        head = [self[n] for n in self.fields if n not in listed]
        groups = [(_("基本信息"), head)] if head else []
        groups += [(h, [self[n] for n in names if n in self.fields]) for h, names in self.sections]
        return groups


def date_field(label, required=True):
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class TeamMixin(forms.Form):
    """Agreement term, staff and experts: what every city's conditions count."""

    agreement_signed_on = date_field(_("协议签订日期"))
    term_start = date_field(_("合作期限起"))
    term_end = date_field(_("合作期限止"))
    head_name = forms.CharField(label=_("站长（负责人）"), max_length=50)
    staff_count = forms.IntegerField(label=_("工作人员人数"), min_value=0)
    # Optional: the names the station keeps after certification/filing (stations.StationStaff).
    staff_members = forms.CharField(
        label=_("工作人员名单（每行一人：姓名，职务，手机）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例如：李华，联络员，13800138000（手机可不填）"),
    )
    experts = forms.CharField(
        label=_("专家团队（每行一人：姓名，单位所在省份）"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("例如：王明，北京市（省外专家请如实填写省份）"),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("term_start"), data.get("term_end")
        if start and end and end < start:
            self.add_error("term_end", _("合作期限止不能早于合作期限起。"))
        return data


class IndustryStationForm(TeamMixin, ProgramForm):
    """益阳 申报书（附件）."""

    NATURES = [
        (v, label)
        for v, label in HostNature.choices
        if v in {"county_cast", "park_cast", "city_society", "university_cast", "enterprise_cast"}
    ]
    INDUSTRIES = [
        (x, x)
        for x in (
            "现代农业",
            "装备制造",
            "数字经济",
            "电子信息",
            "新材料",
            "新能源",
            "生命健康",
            "生态绿色食品",
            "其他",
        )
    ]
    unit_name = forms.CharField(label=_("单位名称"), max_length=100)
    legal_rep = forms.CharField(label=_("法定代表人"), max_length=50)
    address = forms.CharField(label=_("单位地址"), max_length=200)
    postcode = forms.RegexField(label=_("邮编"), regex=r"^\d{6}$")
    contact_name = forms.CharField(label=_("联系人"), max_length=50)
    contact_phone = forms.CharField(label=_("电话"), max_length=20)
    contact_mobile = forms.RegexField(label=_("手机"), regex=r"^1\d{10}$")
    fax = forms.CharField(label=_("传真"), max_length=20, required=False)
    email = forms.EmailField(label=_("电子邮箱"))
    qq_wechat = forms.CharField(label=_("QQ/微信"), max_length=50, required=False)
    unit_nature = forms.ChoiceField(label=_("单位性质"), choices=NATURES)
    key_industry = forms.ChoiceField(label=_("重点产业领域"), choices=INDUSTRIES)
    unit_profile = forms.CharField(label=_("单位简介"), widget=TEXTAREA)
    industry_profile = forms.CharField(label=_("产业概况"), widget=TEXTAREA)
    society_name = forms.CharField(label=_("学会名称"), max_length=100)
    society_legal_rep = forms.CharField(label=_("学会法定代表人"), max_length=50)
    society_title = forms.CharField(label=_("职务/职称"), max_length=50)
    society_mobile = forms.RegexField(label=_("学会联系手机"), regex=r"^1\d{10}$")
    society_address = forms.CharField(label=_("学会地址及邮编"), max_length=200)
    society_contact = forms.CharField(label=_("学会联系人"), max_length=50)
    society_email = forms.EmailField(label=_("学会电子邮箱"), required=False)
    # The seed 申报书's society block has these too (printed blank when not given).
    society_legal_rep_mobile = forms.RegexField(
        label=_("学会法定代表人手机"), regex=r"^1\d{10}$", required=False
    )
    society_postcode = forms.RegexField(label=_("学会邮编"), regex=r"^\d{6}$", required=False)
    society_contact_title = forms.CharField(
        label=_("学会联系人职务"), max_length=50, required=False
    )
    society_phone_fax = forms.CharField(label=_("学会电话传真"), max_length=40, required=False)
    society_qq = forms.CharField(label=_("学会QQ"), max_length=20, required=False)
    society_wechat = forms.CharField(label=_("学会微信"), max_length=50, required=False)
    society_activities = forms.CharField(label=_("学会主要活动"), widget=TEXTAREA)
    purpose_plan = forms.CharField(label=_("建站目的及工作计划"), widget=TEXTAREA)
    # 益阳 第八条(一): units with their own CAST and city-level societies *may* apply directly.
    apply_via = forms.ChoiceField(
        label=_("申报途径"),
        required=False,
        choices=[
            ("", _("按单位类型自动确定")),
            ("county", _("经所在地县市区科协初审推荐")),
            ("city", _("直接向市科协申报（设有科协组织的企事业单位、市级科技社团）")),
        ],
    )
    county_talent_opinion = forms.CharField(
        label=_("县市区委人才办意见"), widget=TEXTAREA, required=False
    )

    sections = (
        (
            _("申报单位"),
            (
                "unit_name",
                "legal_rep",
                "address",
                "postcode",
                "contact_name",
                "contact_phone",
                "contact_mobile",
                "fax",
                "email",
                "qq_wechat",
                "unit_nature",
                "key_industry",
                "unit_profile",
                "industry_profile",
            ),
        ),
        (
            _("合作学会"),
            (
                "society_name",
                "society_legal_rep",
                "society_title",
                "society_legal_rep_mobile",
                "society_address",
                "society_postcode",
                "society_contact",
                "society_contact_title",
                "society_mobile",
                "society_phone_fax",
                "society_qq",
                "society_email",
                "society_wechat",
                "society_activities",
            ),
        ),
        (
            _("协议、团队与计划"),
            (
                "agreement_signed_on",
                "term_start",
                "term_end",
                "head_name",
                "staff_count",
                "staff_members",
                "experts",
                "purpose_plan",
            ),
        ),
        (_("申报途径与意见"), ("apply_via", "county_talent_opinion")),
    )


class BudgetedStationForm(TeamMixin, ProgramForm):
    """贵阳 申报书: the budget table lives in BudgetFormSet."""

    has_budget = True
    needs_host_unit = True
    INDUSTRIES = [
        (x, _(x))
        for x in (
            gettext_noop("现代种业"),
            gettext_noop("电子信息制造"),
            gettext_noop("先进装备制造"),
            gettext_noop("新能源汽车制造"),
            gettext_noop("磷化工制造"),
            gettext_noop("铝及铝加工制造"),
            gettext_noop("健康医药制造"),
            gettext_noop("生态特色食品制造"),
            gettext_noop("软件和信息技术服务"),
        )
    ]
    industry = forms.ChoiceField(label=_("服务产业（“1+7+1”）"), choices=INDUSTRIES)
    society_head = forms.CharField(label=_("学会负责人"), max_length=50)
    society_head_title = forms.CharField(label=_("职务/职称"), max_length=50)
    society_contact = forms.CharField(label=_("联系人"), max_length=50)
    society_phone = forms.CharField(label=_("联系电话"), max_length=20)
    society_address = forms.CharField(label=_("通讯地址及邮编"), max_length=200)
    service_content = forms.CharField(label=_("服务内容与目标"), widget=TEXTAREA)
    phases = forms.CharField(
        label=_("实施步骤（每行一个阶段：时间，内容）"), widget=forms.Textarea(attrs={"rows": 4})
    )
    bank_account_name = forms.CharField(label=_("开户名称"), max_length=100)
    bank_name = forms.CharField(label=_("开户银行"), max_length=100)
    bank_account_no = forms.RegexField(label=_("银行账号"), regex=r"^\d{8,30}$")
    finance_head = forms.CharField(label=_("财务负责人"), max_length=50)

    sections = (
        (
            _("建站学会"),
            (
                "society_head",
                "society_head_title",
                "society_contact",
                "society_phone",
                "society_address",
            ),
        ),
        (
            _("服务内容"),
            (
                "industry",
                "service_content",
                "phases",
                "agreement_signed_on",
                "term_start",
                "term_end",
                "head_name",
                "staff_count",
                "staff_members",
                "experts",
            ),
        ),
        (
            _("经费账户"),
            ("bank_account_name", "bank_name", "bank_account_no", "finance_head"),
        ),
    )


class BudgetRowForm(forms.Form):
    category = forms.CharField(label=_("支出类别"), max_length=50)
    content = forms.CharField(label=_("支出内容"), max_length=200)
    amount = forms.DecimalField(
        label=_("金额（元）"), min_value=Decimal("0"), max_digits=12, decimal_places=2
    )
    basis = forms.CharField(label=_("测算依据"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            # The budget table's inputs sit under column headers; each still needs a name.
            field.widget.attrs.setdefault("aria-label", str(field.label))
            field.widget.attrs.setdefault("class", "form-control form-control-sm")


class _BudgetBaseFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["aria-label"] = str(_("删除"))


BudgetFormSet = forms.formset_factory(
    BudgetRowForm, formset=_BudgetBaseFormSet, extra=1, can_delete=True
)


def budget_total(rows) -> Decimal:
    total = Decimal("0")
    for row in rows or []:
        try:
            total += Decimal(str(row.get("amount") or "0"))
        except InvalidOperation:
            continue
    return total


def rmb_uppercase(amount: Decimal) -> str:
    """Return the amount in Chinese uppercase RMB, e.g. 100000 → 壹拾万元整."""
    return cn2an.an2cn(str(amount.quantize(Decimal("0.01"))), "rmb")


class AwardForm(ProgramForm):
    summary = forms.CharField(label=_("申报事项概述"), widget=TEXTAREA)
    council_resolution = forms.CharField(
        label=_("学会理事会/领导班子研究情况"), widget=TEXTAREA, help_text=_("连云港 六")
    )


class StationAwardForm(AwardForm):
    served_unit = forms.CharField(label=_("服务对象（单位）"), max_length=100)
    goals = forms.CharField(label=_("服务目标"), widget=TEXTAREA)
    agreement_signed_on = date_field(_("服务协议签订日期"))
    capability = forms.CharField(label=_("服务能力"), widget=TEXTAREA)


class ChiefExpertAwardForm(AwardForm):
    expert_name = forms.CharField(label=_("首席专家（工程师）姓名"), max_length=50)
    expert_title = forms.CharField(label=_("职称"), max_length=50)
    served_unit = forms.CharField(label=_("服务单位"), max_length=100)
    need_basis = forms.CharField(label=_("需求与基础"), widget=TEXTAREA)
    goals = forms.CharField(label=_("专家工作目标"), widget=TEXTAREA)
    agreement_signed_on = date_field(_("协议签订日期"))


class DemoSocietyAwardForm(AwardForm):
    soft_science = forms.CharField(label=_("软科学课题或被采纳建议"), widget=TEXTAREA)
    member_services = forms.CharField(label=_("会员服务情况"), widget=TEXTAREA)
    website = forms.URLField(label=_("学会网站"), assume_scheme="https")
    honours = forms.CharField(label=_("近两年获评先进情况"), widget=TEXTAREA, required=False)


class FunctionProjectAwardForm(AwardForm):
    CATEGORIES = [
        (x, x)
        for x in (
            "人才评价",
            "职称评审",
            "科技成果评价与鉴定",
            "资质认定",
            "标准制定",
            "奖项推荐",
            "项目评审",
            "决策咨询",
            "继续教育与培训",
        )
    ]
    function_category = forms.ChoiceField(label=_("承接职能类别"), choices=CATEGORIES)
    entrusting_body = forms.CharField(label=_("职能转移单位"), max_length=100)
    outcomes = forms.CharField(label=_("承接成效"), widget=TEXTAREA)


class FilingForm(TeamMixin, ProgramForm):
    TASKS = [
        ("decision_consulting", _("决策咨询")),
        ("talent", _("引智引才")),
        ("transfer", _("转化合作")),
        ("breakthrough", _("技术攻关")),
        ("exchange", _("学术交流")),
    ]
    discipline = forms.CharField(label=_("专业领域"), max_length=50)
    funding = forms.CharField(label=_("稳定的经费来源"), widget=TEXTAREA)
    management_system = forms.CharField(label=_("管理制度和服务规范"), widget=TEXTAREA)
    work_plan = forms.CharField(label=_("工作计划及长远规划"), widget=TEXTAREA)
    tasks = forms.MultipleChoiceField(
        label=_("主要任务"), choices=TASKS, widget=forms.CheckboxSelectMultiple
    )
    district_name = forms.CharField(
        label=_("所在县（市）区（命名用，市级单位留空）"), max_length=30, required=False
    )


class KeySupportForm(FilingForm):
    achievements = forms.CharField(label=_("建站以来主要成效"), widget=TEXTAREA)
    next_plan = forms.CharField(label=_("支持期工作目标"), widget=TEXTAREA)


class ServiceBaseForm(TeamMixin, ProgramForm):
    needs_host_unit = True
    park = forms.CharField(label=_("依托园区/产业"), max_length=100)
    need = forms.CharField(label=_("需求与基础"), widget=TEXTAREA)
    plan = forms.CharField(label=_("建设方案与目标"), widget=TEXTAREA)
    parties = forms.CharField(label=_("合作各方及协议"), widget=TEXTAREA)


class ServiceStationForm(TeamMixin, ProgramForm):
    needs_host_unit = True
    served_units = forms.CharField(label=_("服务单位及需求"), widget=TEXTAREA)
    plan = forms.CharField(label=_("服务方案与目标"), widget=TEXTAREA)


class TopicForm(ProgramForm):
    research_content = forms.CharField(label=_("研究内容"), widget=TEXTAREA)
    expected_results = forms.CharField(label=_("预期成果"), widget=TEXTAREA)


class OverseasActivityForm(ProgramForm):
    """An overseas-talent (海智) activity: the activity, its expert, dates, content, budget.

    No station is built, so none of the station fields (站长, 合作期限, 专家团队) are asked.
    """

    has_budget = True
    expert_name = forms.CharField(label=_("海外专家（团队）姓名"), max_length=100)
    expert_affiliation = forms.CharField(label=_("专家所在国家（地区）及单位"), max_length=150)
    activity_start = date_field(_("活动开始日期"))
    activity_end = date_field(_("活动结束日期"))
    activity_content = forms.CharField(label=_("活动内容与预期成效"), widget=TEXTAREA)

    sections = (
        (
            _("引才引智活动"),
            ("expert_name", "expert_affiliation", "activity_start", "activity_end"),
        ),
        (_("活动内容"), ("activity_content",)),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("activity_start"), data.get("activity_end")
        if start and end and end < start:
            self.add_error("activity_end", _("活动结束日期不能早于开始日期。"))
        return data


class GenericProgramForm(TeamMixin, ProgramForm):
    plan = forms.CharField(label=_("申报内容与计划"), widget=TEXTAREA)


# Program.form (declared by each city's policy) → the form class. A key names what the form
# asks for, never a city; a program that declares none uses the generic form.
FORMS: dict[str, type[ProgramForm]] = {
    "generic": GenericProgramForm,
    "industry_station": IndustryStationForm,
    "budgeted_station": BudgetedStationForm,
    "station_award": StationAwardForm,
    "chief_expert": ChiefExpertAwardForm,
    "demo_society": DemoSocietyAwardForm,
    "function_project": FunctionProjectAwardForm,
    "filing": FilingForm,
    "key_support": KeySupportForm,
    "service_base": ServiceBaseForm,
    "service_station": ServiceStationForm,
    "topic": TopicForm,
    "overseas_activity": OverseasActivityForm,
}


# Fields that name the applicant or its people: hidden from experts under blind review.
IDENTITY_FIELDS = frozenset(
    {
        "title",
        "unit_name",
        "legal_rep",
        "address",
        "postcode",
        "fax",
        "email",
        "qq_wechat",
        "head_name",
        "experts",
        "staff_members",
        "finance_head",
        "expert_name",
        "website",
        "district_name",
    }
)
IDENTITY_PREFIXES = ("society_", "contact_", "bank_")


def reveals_identity(name: str) -> bool:
    return name in IDENTITY_FIELDS or name.startswith(IDENTITY_PREFIXES)


def form_class_for(policy_code: str, program: str) -> type[ProgramForm]:
    """Return the form class of a program, by the form key its city's policy declares."""
    key = get_policy(policy_code).program(program).form
    try:
        return FORMS[key]
    except KeyError as exc:
        raise PolicyError(f"未知的申报书类型“{key}”（可选：{'、'.join(FORMS)}）") from exc
