"""Stored policy state: parameter versions per city, decisions taken under them, holidays."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyVersion(models.Model):
    """One immutable set of a city's policy parameters; a change is a new version."""

    city = models.ForeignKey(
        "stations.City",
        on_delete=models.PROTECT,
        related_name="policy_versions",
        verbose_name=_("城市"),
    )
    version = models.PositiveIntegerField(_("版本号"))
    effective_from = models.DateField(_("生效日期"))
    params = models.JSONField(_("参数"), default=dict)
    note = models.TextField(_("修改原因/说明"), blank=True)
    # What the change would do, as previewed before saving (reports.forecast.Impact.as_dict):
    # the inputs, totals per budget year, quota effects and the affected stations.
    impact_preview = models.JSONField(_("影响预览"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("政策参数版本")
        verbose_name_plural = _("政策参数版本")
        ordering = ["city_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["city", "version"], name="uniq_policy_version")
        ]

    def __str__(self) -> str:
        return f"{self.city} 第{self.version}版（{self.effective_from}起）"


class PolicyDecision(models.Model):
    """A computed decision (grade, payment, eligibility...) frozen with the version it used."""

    city = models.ForeignKey(
        "stations.City", on_delete=models.PROTECT, related_name="+", verbose_name=_("城市")
    )
    policy_version = models.ForeignKey(
        PolicyVersion,
        on_delete=models.PROTECT,
        related_name="decisions",
        verbose_name=_("所用参数版本"),
    )
    kind = models.CharField(_("决定类别"), max_length=40, db_index=True)
    program = models.CharField(_("项目代码"), max_length=30, blank=True)
    subject_type = models.CharField(_("对象类型"), max_length=60, blank=True)
    subject_id = models.CharField(_("对象ID"), max_length=40, blank=True)
    subject_label = models.CharField(_("对象"), max_length=200, blank=True)
    inputs = models.JSONField(_("输入"), default=dict)
    outcome = models.JSONField(_("结果"), default=dict)
    clauses = models.JSONField(_("政策依据"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("政策计算结果")
        verbose_name_plural = _("政策计算结果")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_label}"


class StatutoryDay(models.Model):
    """A day the State Council's holiday notice sets (holiday or make-up workday).

    Rows override the chinesecalendar package. For a year the package does not cover, a
    year with at least one row is taken as entered: enter the whole notice at once.
    """

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"), help_text=_("调休上班选“是”，放假选“否”"))
    name = models.CharField(_("名称"), max_length=50, help_text=_("如：国庆节、春节调休上班"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("录入人"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("法定节假日安排")
        verbose_name_plural = _("法定节假日安排")
        ordering = ["date"]

    def __str__(self) -> str:
        kind = "上班" if self.is_workday else "放假"
        return f"{self.date} {self.name}（{kind}）"
