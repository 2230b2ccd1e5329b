"""The annual evaluation cycle: a round per city and year, one evaluation per grant."""

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ScoreField(models.DecimalField):
    """A score of up to two decimals, read back without trailing zeros (86.50 → 86.5)."""

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        value = Decimal(value) if not isinstance(value, Decimal) else value
        return normalize_score(value)

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_score(value) if isinstance(value, Decimal) else value


def normalize_score(value: Decimal) -> Decimal:
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


class EvaluationRound(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("进行中")
        CLOSED = "closed", _("已结束")

    # The only moves evaluations.services.round_set_status allows: a closed round stays
    # closed (its absent stations and confirmed grades are on record).
    TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        Status.OPEN: frozenset({Status.CLOSED}),
        Status.CLOSED: frozenset(),
    }

    city = models.ForeignKey(
        "stations.City",
        on_delete=models.PROTECT,
        related_name="evaluation_rounds",
        verbose_name=_("城市"),
    )
    year = models.PositiveSmallIntegerField(_("考核年度"))
    title = models.CharField(_("名称"), max_length=100)
    due_date = models.DateField(_("自评材料截止日期"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发起人"),
    )
    opened_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("结束人"),
    )
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("年度考核批次")
        verbose_name_plural = _("年度考核批次")
        ordering = ["-year", "city_id"]
        constraints = [
            models.UniqueConstraint(fields=["city", "year"], name="uniq_round_city_year")
        ]

    def __str__(self) -> str:
        return self.title


class StationEvaluation(models.Model):
    """One station's evaluation for one grant-year, from self-report to confirmed grade."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待提交自评")
        SUBMITTED = "submitted", _("已提交，待专家评分")
        SCORED = "scored", _("专家已评分，待确认")
        CONFIRMED = "confirmed", _("已确认")
        # The round closed without a self-report: 未参加考核 (贵阳 四(三)4 names it a ground
        # for revocation; the administrator decides).
        ABSENT = "absent", _("未参加考核")

    # The only moves evaluations.services.evaluation_set_status allows. A resubmitted
    # self-report stays 已提交 (no move); an expert assigned after the others scored sends a
    # 专家已评分 evaluation back to 已提交; a confirmed or absent year is final.
    TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        Status.PENDING: frozenset({Status.SUBMITTED, Status.ABSENT}),
        Status.SUBMITTED: frozenset({Status.SCORED}),
        Status.SCORED: frozenset({Status.SUBMITTED, Status.CONFIRMED}),
        Status.CONFIRMED: frozenset(),
        Status.ABSENT: frozenset(),
    }

    round = models.ForeignKey(
        EvaluationRound,
        on_delete=models.PROTECT,
        related_name="evaluations",
        verbose_name=_("考核批次"),
    )
    station = models.ForeignKey(
        "stations.Station",
        on_delete=models.PROTECT,
        related_name="evaluations",
        verbose_name=_("服务站"),
    )
    grant = models.ForeignKey(
        "funding.Grant",
        on_delete=models.PROTECT,
        related_name="evaluations",
        verbose_name=_("资助项目"),
    )
    year = models.PositiveSmallIntegerField(_("考核年度"))
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    # Self-report (自评/自查报告).
    summary = models.TextField(_("年度工作总结"), blank=True)
    counts = models.JSONField(_("活动统计（来自活动记录）"), default=dict, blank=True)
    quantitative = models.JSONField(_("量化考核指标（益阳 第十二条）"), default=list, blank=True)
    final_accounts = models.TextField(_("经费决算（杭州）"), blank=True)
    final_accounts_total = models.DecimalField(
        _("决算支出合计（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("提交人"),
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    # Guiyang 四(三): the demand unit evaluates the station.
    demand_unit_opinion = models.TextField(_("需求单位评价意见"), blank=True)
    demand_unit_rating = models.CharField(_("需求单位评价"), max_length=10, blank=True)
    demand_unit_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("评价人"),
    )
    # The administrator's confirmation and what the engine decided.
    final_score = ScoreField(_("最终得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("等次"), max_length=12, blank=True)
    policy_version = models.PositiveIntegerField(_("政策参数版本"), null=True, blank=True)
    decision = models.JSONField(_("考核决定（政策引擎）"), default=dict, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认人"),
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    rectification_deadline = models.DateField(_("整改期限"), null=True, blank=True)
    # Optimistic lock: every write bumps it; a form posted with an older value is refused.
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("服务站年度考核")
        verbose_name_plural = _("服务站年度考核")
        ordering = ["-year", "station_id"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "year"], name="uniq_evaluation_grant_year")
        ]
        indexes = [
            # The administrator's to-do (home.todo: scored, or submitted without experts,
            # oldest first) reads these in order and stops after a dozen, instead of
            # scanning and sorting every year's evaluations (14 ms → 0.2 ms at 20,000).
            models.Index(
                fields=["submitted_at", "id"],
                condition=models.Q(status__in=["submitted", "scored"]),
                name="evaluation_waiting_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.station} {self.year}年度考核"

    @property
    def city_id(self) -> int:
        return self.station.city_id


def attachment_upload_to(instance: "EvaluationAttachment", filename: str) -> str:
    import uuid

    return f"evaluations/{instance.evaluation_id}/{uuid.uuid4().hex}"


class EvaluationAttachment(models.Model):
    evaluation = models.ForeignKey(
        StationEvaluation,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("考核"),
    )
    file = models.FileField(_("文件"), upload_to=attachment_upload_to)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("上传人"),
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("考核附件")
        verbose_name_plural = _("考核附件")

    def __str__(self) -> str:
        return self.original_name


class ExpertScore(models.Model):
    """An assigned expert's scores per indicator of the city's evaluation rubric."""

    evaluation = models.ForeignKey(
        StationEvaluation,
        on_delete=models.CASCADE,
        related_name="expert_scores",
        verbose_name=_("考核"),
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="evaluation_scores",
        verbose_name=_("评审专家"),
    )
    points = models.JSONField(_("各指标得分"), default=dict, blank=True)
    total = ScoreField(_("总分"), max_digits=5, decimal_places=2, null=True, blank=True)
    comment = models.TextField(_("评审意见"), blank=True)
    submitted_at = models.DateTimeField(_("评分时间"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("指派人"),
    )
    # Rendered in the score form; a save from a page loaded before the last save is refused.
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("专家评分")
        verbose_name_plural = _("专家评分")
        ordering = ["evaluation_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "expert"], name="uniq_expert_score")
        ]

    def __str__(self) -> str:
        return f"{self.expert} → {self.evaluation}"
