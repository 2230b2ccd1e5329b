from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import REQUIRED_SCOPE, Role
from .validators import validate_mobile


class User(AbstractUser):
    """A platform user with exactly one role, scoped to a city and to the object it works for."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    city = models.ForeignKey(
        "stations.City",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("所属城市"),
    )
    district = models.ForeignKey(
        "stations.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("所属县（市、区）"),
    )
    society = models.ForeignKey(
        "stations.Society",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("所属学会"),
    )
    host_unit = models.ForeignKey(
        "stations.HostUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("所属建站单位"),
    )
    expert = models.OneToOneField(
        "stations.Expert",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="user",
        verbose_name=_("专家档案"),
    )
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    mobile = models.CharField(_("手机"), max_length=11, blank=True, validators=[validate_mobile])
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username

    def clean(self) -> None:
        super().clean()
        if self.is_superuser and not self.role:
            self.role = Role.SUPERUSER
        needed = REQUIRED_SCOPE.get(self.role)
        if needed and not getattr(self, f"{needed}_id"):
            raise ValidationError({needed: _("该角色必须指定其所属范围。")})
        self.city_id = self.derived_city_id()

    def derived_city_id(self) -> int | None:
        """Return the city implied by the scoping object, so a user can never straddle cities."""
        for attr in ("society", "host_unit", "expert", "district"):
            obj = getattr(self, attr)
            if obj is not None:
                return obj.city_id
        return self.city_id

    def save(self, *args, **kwargs):
        if self.is_superuser and not self.role:
            self.role = Role.SUPERUSER
        self.city_id = self.derived_city_id()
        super().save(*args, **kwargs)

    def set_password(self, raw_password):
        from django.utils import timezone

        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    @property
    def is_platform_admin(self) -> bool:
        return self.is_superuser or self.role == Role.SUPERUSER


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditImmutableError("审计日志不可修改。")

    def delete(self):
        raise AuditImmutableError("审计日志不可删除；过期记录只能由 purge_audit 命令清理。")


class AuditImmutableError(PermissionError):
    pass


class AuditEvent(models.Model):
    """One row per security or business event; written only through accounts.services.audit.

    Rows are append-only: the application refuses updates and deletes, and on PostgreSQL a
    trigger refuses them too (migration 0005), except the purge of rows past retention.
    """

    class Result(models.TextChoices):
        SUCCESS = "success", _("成功")
        DENIED = "denied", _("拒绝")
        FAILED = "failed", _("失败")

    at = models.DateTimeField(_("时间（UTC）"), auto_now_add=True, db_index=True)
    # No database constraint and no cascade: deleting a user must never rewrite history.
    user = models.ForeignKey(
        "accounts.User",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("用户"),
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    event = models.CharField(_("事件"), max_length=60, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=60, blank=True)
    object_id = models.CharField(_("对象ID"), max_length=40, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    city = models.ForeignKey(
        "stations.City",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("城市"),
    )
    result = models.CharField(
        _("结果"), max_length=10, choices=Result.choices, default=Result.SUCCESS
    )
    reason = models.TextField(_("原因/说明"), blank=True)
    clause = models.CharField(_("政策依据"), max_length=200, blank=True)
    detail = models.JSONField(_("详情（变更前后）"), default=dict, blank=True)
    # The request (or Celery task) that wrote the row, as in the JSON logs; NULL for rows
    # written outside both (management commands, older rows).
    request_id = models.CharField(_("请求ID"), max_length=64, null=True, blank=True)  # noqa: DJ001
    # The hash chain (accounts/audit_chain.py): sealed right after the row's transaction commits,
    # in seal order; each row stores the previous row's hash and its own over its content.
    seal_seq = models.BigIntegerField(_("链序号"), null=True, blank=True, unique=True)
    prev_hash = models.CharField(_("前一条哈希"), max_length=64, blank=True, db_default="")
    row_hash = models.CharField(_("本条哈希"), max_length=64, blank=True, db_default="")

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.event}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditImmutableError("审计日志不可修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutableError("审计日志不可删除。")


class Notification(models.Model):
    """An in-app inbox message; the e-mail copy is sent by a Celery task after commit."""

    recipient = models.ForeignKey(
        "accounts.User",
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("收件人"),
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


class UserSession(models.Model):
    """A live login, so that logout, disabling or an administrator can end all of a user's sessions."""

    user = models.ForeignKey(
        "accounts.User",
        on_delete=models.CASCADE,
        related_name="live_sessions",
        verbose_name=_("用户"),
    )
    session_key = models.CharField(_("会话标识"), max_length=40, unique=True)
    created_at = models.DateTimeField(_("登录时间"), auto_now_add=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    user_agent = models.CharField(_("浏览器"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("登录会话")
        verbose_name_plural = _("登录会话")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.created_at:%Y-%m-%d %H:%M}"


class OutboxMessage(models.Model):
    """A Celery task waiting to be published: written in the business transaction, so work
    survives a broker outage and is published (once per key) when the broker is back."""

    task = models.CharField(_("任务"), max_length=200)
    args = models.JSONField(_("位置参数"), default=list, blank=True)
    kwargs = models.JSONField(_("关键字参数"), default=dict, blank=True)
    key = models.CharField(_("去重键"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发布时间"), null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(_("发布尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)

    class Meta:
        verbose_name = _("待发任务")
        verbose_name_plural = _("待发任务")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.task} [{self.key}]"


class FormSubmission(models.Model):
    """A one-time form token that has been used: the unique key makes a second POST of the same
    rendered form (double click, resend, 20 at once) write nothing (accounts/idempotency.py)."""

    key = models.CharField(_("表单令牌"), max_length=64, unique=True)
    purpose = models.CharField(_("用途"), max_length=60)
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("提交人")
    )
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("已提交表单")
        verbose_name_plural = _("已提交表单")

    def __str__(self) -> str:
        return f"{self.purpose} {self.submitted_at:%Y-%m-%d %H:%M}"


class EnrolmentCode(models.Model):
    """A one-time code the security administrator issues so a user may enrol a TOTP device:
    without it a password alone never shows the TOTP secret (accounts/enrolment.py)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="enrolment_codes", verbose_name=_("用户")
    )
    code_hash = models.CharField(_("代码（哈希）"), max_length=128)
    issued_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, verbose_name=_("签发人")
    )
    issued_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("有效期至"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("验证器绑定码")
        verbose_name_plural = _("验证器绑定码")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.user} {self.issued_at:%Y-%m-%d %H:%M}"


class ExpertInvitation(models.Model):
    """A one-time link that lets an expert of the library set the password of their account.

    Only the token's SHA-256 is stored; the link works once and until it expires
    (accounts/invitations.py)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("用户")
    )
    expert = models.ForeignKey(
        "stations.Expert", on_delete=models.CASCADE, related_name="+", verbose_name=_("专家")
    )
    token_hash = models.CharField(_("令牌（哈希）"), max_length=64, unique=True)
    issued_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, verbose_name=_("邀请人")
    )
    issued_at = models.DateTimeField(_("邀请时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("有效期至"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("专家账号邀请")
        verbose_name_plural = _("专家账号邀请")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.expert} {self.issued_at:%Y-%m-%d %H:%M}"
