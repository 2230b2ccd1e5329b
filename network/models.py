"""Enterprises, their technology demands (技术需求) and the demands' attachments and history."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from stations.models import TimeStamped
from stations.validators import validate_credit_code, validate_mobile

from .choices import DemandStatus, Urgency


class Enterprise(TimeStamped):
    """An enterprise that registered itself to submit technology demands (杭州 四(一))."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="enterprise",
        verbose_name=_("登录账号"),
    )
    city = models.ForeignKey(
        "stations.City",
        on_delete=models.PROTECT,
        related_name="enterprises",
        verbose_name=_("所在城市"),
    )
    name = models.CharField(_("企业名称"), max_length=100)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    industry = models.CharField(_("所属行业"), max_length=50, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_mobile = models.CharField(_("联系人手机"), max_length=11, validators=[validate_mobile])
    contact_email = models.EmailField(_("联系人电子邮箱"))

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["city_id", "name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.credit_code = (self.credit_code or "").strip().upper()
        super().save(*args, **kwargs)


class Demand(TimeStamped):
    """One technology demand; its status changes only through network.services."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="demands", verbose_name=_("提出企业")
    )
    city = models.ForeignKey(
        "stations.City", on_delete=models.PROTECT, related_name="demands", verbose_name=_("城市")
    )
    title = models.CharField(_("需求名称"), max_length=150)
    description = models.TextField(_("需求描述"))
    industry = models.CharField(_("所属产业"), max_length=50)
    field = models.CharField(_("技术领域"), max_length=50)
    urgency = models.CharField(
        _("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=DemandStatus.choices,
        default=DemandStatus.SUBMITTED,
        db_index=True,
    )
    station = models.ForeignKey(
        "stations.Station",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="demands",
        verbose_name=_("承接服务站"),
    )
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    outcome = models.TextField(_("服务成效"), blank=True)
    achievement_transferred = models.BooleanField(_("实现成果转化"), default=False)
    # The station activity records this demand produced (one of each at most).
    served_record = models.OneToOneField(
        "stations.ActivityRecord",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("服务技术需求记录"),
    )
    solved_record = models.OneToOneField(
        "stations.ActivityRecord",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("解决企业难题记录"),
    )
    transfer_record = models.OneToOneField(
        "stations.ActivityRecord",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("成果转化记录"),
    )

    class Meta:
        verbose_name = _("技术需求")
        verbose_name_plural = _("技术需求")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["city", "status"])]

    def __str__(self) -> str:
        return self.title


class DemandUpdate(models.Model):
    """A status change or progress note on a demand, shown to the enterprise as its timeline."""

    demand = models.ForeignKey(
        Demand, on_delete=models.CASCADE, related_name="updates", verbose_name=_("技术需求")
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    from_status = models.CharField(
        _("原状态"), max_length=20, choices=DemandStatus.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=20, choices=DemandStatus.choices)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("需求办理记录")
        verbose_name_plural = _("需求办理记录")
        ordering = ["demand_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.demand}: {self.from_status or '—'} → {self.to_status}"


def attachment_upload_to(instance: "DemandAttachment", filename: str) -> str:
    # The stored name is generated by the server; the user's file name is kept only as data.
    return f"demands/{instance.demand_id}/{uuid.uuid4().hex}"


class DemandAttachment(models.Model):
    demand = models.ForeignKey(
        Demand, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("技术需求")
    )
    file = models.FileField(_("文件"), upload_to=attachment_upload_to)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("上传人"),
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("需求附件")
        verbose_name_plural = _("需求附件")

    def __str__(self) -> str:
        return self.original_name
