"""Calls, applications and everything their review produces.

Statuses are the stage codes the city's policy workflow declares; only
applications.services.application_transition changes `Application.stage`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from stations.choices import Level
from stations.fields import EncryptedJSONField

USER = settings.AUTH_USER_MODEL


class AttachmentKind(models.TextChoices):
    APPLICATION_FORM = "application_form", _("申报书（盖章扫描件）")
    AGREEMENT = "agreement", _("合作/建站协议")
    PERFORMANCE_GOALS = "performance_goals", _("年度绩效目标")
    WORK_RULES = "work_rules", _("单位简介及工作制度")
    STAFF_LIST = "staff_list", _("组织机构及人员名单")
    EXPERT_LIST = "expert_list", _("专家名单")
    WORK_PLAN = "work_plan", _("工作计划/实施方案")
    COUNTY_CAST_CONFIRMATION = "county_cast_confirmation", _("县区科协盖章确认")
    FUNCTION_PROOF = "function_proof", _("承接职能证明（委托书/会议决议/任务书）")
    INSPECTION_PHOTO = "inspection_photo", _("考察照片")
    SIGNED_CONTRACT = "signed_contract", _("项目合同（签字盖章扫描件）")
    OTHER = "other", _("其他材料")


class Call(models.Model):
    """A call for applications (申报批次/遴选通知) opened by a city administrator."""

    city = models.ForeignKey(
        "stations.City", on_delete=models.PROTECT, related_name="calls", verbose_name=_("城市")
    )
    program = models.CharField(_("项目类别"), max_length=30)
    title = models.CharField(_("通知标题"), max_length=150)
    description = models.TextField(_("通知内容"), blank=True)
    opens_on = models.DateField(_("开始申报日期"))
    closes_on = models.DateField(_("截止日期"))
    quota = models.PositiveIntegerField(
        _("名额"), null=True, blank=True, help_text=_("留空则按政策参数中的名额")
    )
    required_materials = models.JSONField(_("必交材料"), default=list, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("申报批次")
        verbose_name_plural = _("申报批次")
        ordering = ["-opens_on", "-id"]

    def __str__(self) -> str:
        return self.title

    def quota_calls(self):
        """Return the calls sharing this call's quota: same city, program and year.

        Quotas are per year, not per call (沈阳 约3家/年, 连云港 each award per year, 益阳
        ≤5 city-level per round): a second call in a year does not reset the count.
        """
        return Call.objects.filter(
            city_id=self.city_id, program=self.program, opens_on__year=self.opens_on.year
        )


class Application(models.Model):
    city = models.ForeignKey(
        "stations.City",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("城市"),
    )
    call = models.ForeignKey(
        Call, on_delete=models.PROTECT, related_name="applications", verbose_name=_("申报批次")
    )
    program = models.CharField(_("项目类别"), max_length=30)
    level = models.CharField(_("申报级别"), max_length=12, choices=Level.choices)
    title = models.CharField(_("申报名称"), max_length=150)
    society = models.ForeignKey(
        "stations.Society",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("学会"),
    )
    host_unit = models.ForeignKey(
        "stations.HostUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("建站/需求单位"),
    )
    district = models.ForeignKey(
        "stations.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("县（市、区）"),
    )
    station = models.ForeignKey(
        "stations.Station",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("服务站"),
    )
    station_prior_status = models.CharField(max_length=20, blank=True, editable=False)
    # Encrypted at rest: the form holds contacts, ID-like data and (Guiyang) the bank account.
    form_data = EncryptedJSONField(_("申报书内容"), default=dict, blank=True)
    stage = models.CharField(_("当前环节"), max_length=40, default="draft", db_index=True)
    outcome = models.CharField(
        _("结果"), max_length=20, blank=True, help_text=_("终止环节的标签：certified/rejected…")
    )
    withdrawn = models.BooleanField(_("已撤回"), default=False)
    amount = models.PositiveIntegerField(
        _("核定金额（元/年）"),
        null=True,
        blank=True,
        help_text=_("政策规定范围或“一事一议”的金额，在审批环节确定"),
    )
    policy_version = models.CharField(_("政策版本"), max_length=60, blank=True)
    findings = models.JSONField(_("资格审查结果"), default=list, blank=True)
    findings_at = models.DateTimeField(_("资格审查时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    stage_entered_at = models.DateTimeField(_("进入当前环节时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("申报")
        verbose_name_plural = _("申报")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["city", "stage"]),
            # The reviewers' inbox: oldest waiting first.
            models.Index(fields=["city", "stage_entered_at", "id"], name="application_inbox_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_draft(self) -> bool:
        return self.stage == "draft" and not self.withdrawn

    @property
    def blocking_findings(self) -> list[dict]:
        return [f for f in self.findings if f.get("severity") == "block"]


class ApplicationTransition(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="transitions"
    )
    actor = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    action = models.CharField(_("操作"), max_length=20)
    from_stage = models.CharField(_("原环节"), max_length=40)
    to_stage = models.CharField(_("新环节"), max_length=40)
    comment = models.TextField(_("意见"), blank=True)
    clause = models.CharField(_("政策依据"), max_length=100, blank=True)
    policy_version = models.CharField(_("政策版本"), max_length=60, blank=True)
    skipped = models.JSONField(_("跳过的环节"), default=list, blank=True)

    class Meta:
        verbose_name = _("流转记录")
        verbose_name_plural = _("流转记录")
        ordering = ["application_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.from_stage} → {self.to_stage}"


def attachment_upload_to(instance: Attachment, filename: str) -> str:
    # The stored name is generated by the server; the user's name is kept only as data.
    return f"applications/{instance.application_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attachments"
    )
    inspection = models.ForeignKey(
        "Inspection", on_delete=models.CASCADE, null=True, blank=True, related_name="photos"
    )
    kind = models.CharField(_("材料类别"), max_length=40, choices=AttachmentKind.choices)
    file = models.FileField(_("文件"), upload_to=attachment_upload_to)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["application_id", "kind", "id"]

    def __str__(self) -> str:
        return self.original_name


class ExpertDraw(models.Model):
    """A recorded random draw: re-running it with the same seed and pool gives the same panel."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="draws")
    stage = models.CharField(max_length=40)
    seed = models.CharField(_("随机种子"), max_length=64)
    field_filter = models.CharField(_("专业领域"), max_length=50, blank=True)
    size = models.PositiveSmallIntegerField(_("抽取人数"))
    pool = models.JSONField(_("候选专家ID（已回避）"), default=list)
    excluded = models.JSONField(_("回避专家ID及原因"), default=dict)
    selected = models.JSONField(_("抽中专家ID"), default=list)
    # A replacement draw names the member it replaces; its pool already leaves out the
    # panel's members (also the removed one), so draw_select(pool, size, seed) reproduces it.
    replaces = models.ForeignKey(
        "ExpertAssignment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replacement_draws",
        verbose_name=_("替换的专家组成员"),
    )
    drawn_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("专家抽取记录")
        verbose_name_plural = _("专家抽取记录")

    def __str__(self) -> str:
        return f"{self.application} · {self.seed}"


class ExpertAssignment(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="assignments"
    )
    expert = models.ForeignKey(
        "stations.Expert", on_delete=models.PROTECT, related_name="assignments"
    )
    stage = models.CharField(_("评审环节"), max_length=40)
    draw = models.ForeignKey(ExpertDraw, on_delete=models.SET_NULL, null=True, blank=True)
    assigned_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)
    due_on = models.DateField(_("评审截止日期"), null=True, blank=True)
    no_conflict_declared_at = models.DateTimeField(_("声明无利益冲突时间"), null=True, blank=True)
    declared_conflict = models.TextField(_("申报的利益冲突"), blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # Removal keeps the row (and any draft score) for the record; a removed member no longer
    # counts for the panel, the guard or the statistics.
    removed_at = models.DateTimeField(_("移出时间"), null=True, blank=True)
    removed_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    removal_reason = models.TextField(_("移出原因"), blank=True)
    replaced_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaces",
        verbose_name=_("替换为"),
    )

    class Meta:
        verbose_name = _("评审专家指派")
        verbose_name_plural = _("评审专家指派")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "expert", "stage"], name="uniq_assignment_per_stage"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.expert}"


def score_sheet_upload_to(instance: ReviewScore, filename: str) -> str:
    return f"applications/{instance.assignment.application_id}/sheets/{uuid.uuid4().hex}"


class ReviewScore(models.Model):
    assignment = models.OneToOneField(
        ExpertAssignment, on_delete=models.CASCADE, related_name="score"
    )
    points = models.JSONField(_("各指标得分"), default=dict)
    total = models.DecimalField(_("总分"), max_digits=6, decimal_places=2, default=0)
    comment = models.TextField(_("评审意见"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    # An offline score sheet (纸质评分表): entered by the administrator on the expert's behalf,
    # with the signed sheet's scan kept as the evidence.
    entered_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("代录人"),
    )
    sheet = models.FileField(_("评分表扫描件"), upload_to=score_sheet_upload_to, blank=True)
    sheet_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    sheet_content_type = models.CharField(_("文件类型"), max_length=100, blank=True)
    sheet_size = models.PositiveIntegerField(_("大小（字节）"), null=True, blank=True)

    class Meta:
        verbose_name = _("专家评分")
        verbose_name_plural = _("专家评分")

    def __str__(self) -> str:
        return f"{self.assignment} · {self.total}"


class Inspection(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="inspections"
    )
    date = models.DateField(_("考察日期"))
    inspectors = models.CharField(_("考察人员"), max_length=200)
    findings = models.TextField(_("考察意见"))
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("实地考察")
        verbose_name_plural = _("实地考察")
        ordering = ["application_id", "date", "id"]

    def __str__(self) -> str:
        return f"{self.application} · {self.date}"


class PublicNotice(models.Model):
    city = models.ForeignKey("stations.City", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("公示标题"), max_length=150)
    body = models.TextField(_("公示内容"), blank=True)
    start_on = models.DateField(_("公示开始"))
    end_on = models.DateField(_("公示截止（含）"))
    workdays = models.PositiveSmallIntegerField(_("公示工作日数"))
    clause = models.CharField(_("政策依据"), max_length=100, blank=True)
    applications = models.ManyToManyField(Application, related_name="notices")
    published_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        ordering = ["-start_on", "-id"]

    def __str__(self) -> str:
        return self.title


class Objection(models.Model):
    notice = models.ForeignKey(PublicNotice, on_delete=models.CASCADE, related_name="objections")
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="objections"
    )
    received_on = models.DateField(_("收到日期"))
    objector = models.CharField(_("异议人"), max_length=100, blank=True)
    content = models.TextField(_("异议内容"))
    upheld = models.BooleanField(_("异议成立"), null=True, blank=True)
    resolution = models.TextField(_("处理意见"), blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")

    def __str__(self) -> str:
        return f"{self.application} · {self.received_on}"


class QuotaOverride(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="quota_overrides"
    )
    stage = models.CharField(max_length=40)
    quota = models.PositiveIntegerField(_("名额"))
    approved_count = models.PositiveIntegerField(_("已通过数"))
    reason = models.TextField(_("超额理由"))
    actor = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("超名额审批")
        verbose_name_plural = _("超名额审批")

    def __str__(self) -> str:
        return f"{self.application} · {self.quota}"


class Certification(models.Model):
    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="certification"
    )
    station = models.ForeignKey(
        "stations.Station", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    certificate_no = models.CharField(_("证书编号"), max_length=40, unique=True)
    official_name = models.CharField(_("正式名称"), max_length=150)
    issued_on = models.DateField(_("认定日期"))
    issued_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("认定（命名）")
        verbose_name_plural = _("认定（命名）")

    def __str__(self) -> str:
        return f"{self.certificate_no} {self.official_name}"


class MessageTemplate(models.Model):
    """A city's wording for one workflow notification; `{title}`, `{stage}` are filled in."""

    city = models.ForeignKey("stations.City", on_delete=models.CASCADE, related_name="+")
    event = models.CharField(_("事件"), max_length=40)
    title = models.CharField(_("标题模板"), max_length=200)
    body = models.TextField(_("正文模板"), blank=True)

    class Meta:
        verbose_name = _("通知模板")
        verbose_name_plural = _("通知模板")
        constraints = [
            models.UniqueConstraint(fields=["city", "event"], name="uniq_message_template")
        ]

    def __str__(self) -> str:
        return f"{self.city} · {self.event}"


class ProjectContract(models.Model):
    """The signed project contract recorded at a `records_contract` stage (杭州 附件第九条)."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="contract"
    )
    signed_on = models.DateField(_("合同签订日期"))
    number = models.CharField(_("合同编号"), max_length=60)
    scan = models.ForeignKey(
        Attachment,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("签字盖章扫描件"),
    )
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("项目合同")
        verbose_name_plural = _("项目合同")

    def __str__(self) -> str:
        return f"{self.number} {self.application}"
