"""Export jobs: a big list export written by a Celery task, downloaded by its owner until it expires."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def export_upload_to(instance: ExportJob, filename: str) -> str:
    # Server-generated name; the download name is built from the kind and date.
    return f"exports/{instance.owner_id}/{uuid.uuid4().hex}.xlsx"


class ExportJob(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("正在生成")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="export_jobs",
        verbose_name=_("发起人"),
    )
    kind = models.CharField(_("导出内容"), max_length=30)
    params = models.JSONField(_("筛选条件"), default=dict, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    row_count = models.PositiveIntegerField(_("已写入行数"), default=0)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    file = models.FileField(_("文件"), upload_to=export_upload_to, blank=True)
    error = models.CharField(_("错误信息"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("下载有效期至"), null=True, blank=True)
    # The running worker stamps this at its claim and at every chunk; a job running without a
    # heartbeat for REPORTS_EXPORT_STALE_SECONDS lost its worker and is reclaimed.
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("已尝试次数"), default=0)

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}

    @property
    def downloadable(self) -> bool:
        return self.status == self.Status.DONE and bool(self.file) and not self.is_expired


class DocumentCounter(models.Model):
    """The last 文号 sequence number used by one city in one year (locked while numbering)."""

    city = models.ForeignKey(
        "stations.City", on_delete=models.PROTECT, related_name="+", verbose_name=_("城市")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    last = models.PositiveIntegerField(_("已用到的序号"), default=0)

    class Meta:
        verbose_name = _("文号计数")
        verbose_name_plural = _("文号计数")
        constraints = [
            models.UniqueConstraint(fields=["city", "year"], name="uniq_document_counter_city_year")
        ]

    def __str__(self) -> str:
        return f"{self.city_id}/{self.year}: {self.last}"


class DocumentNumber(models.Model):
    """One issued document's 文号, e.g. 益科协〔2026〕12号: assigned once, never reused."""

    city = models.ForeignKey(
        "stations.City", on_delete=models.PROTECT, related_name="+", verbose_name=_("城市")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    seq = models.PositiveIntegerField(_("序号"))
    number = models.CharField(_("文号"), max_length=60, unique=True)
    kind = models.CharField(_("文书类别"), max_length=30)
    object_key = models.CharField(_("对应对象"), max_length=80)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("编号人"),
    )
    issued_at = models.DateTimeField(_("编号时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("文号")
        verbose_name_plural = _("文号")
        ordering = ["city", "year", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["city", "year", "seq"], name="uniq_document_number_city_year_seq"
            ),
            models.UniqueConstraint(
                fields=["kind", "object_key"], name="uniq_document_number_per_document"
            ),
        ]

    def __str__(self) -> str:
        return self.number


def import_upload_to(instance: ImportJob, filename: str) -> str:
    return f"imports/{instance.owner_id}/{uuid.uuid4().hex}.upload"


class ImportJob(models.Model):
    """A large legacy file checked (dry run) or imported by a Celery task, with progress.

    The all-or-nothing rule is the same as in the request: any problem and nothing is written.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("正在处理")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="import_jobs",
        verbose_name=_("发起人"),
    )
    kind = models.CharField(_("导入内容"), max_length=30)
    dry_run = models.BooleanField(_("仅检查"), default=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    rows_done = models.PositiveIntegerField(_("已处理行数"), default=0)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    file = models.FileField(_("上传的文件"), upload_to=import_upload_to, blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    error = models.CharField(_("错误信息"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}
