"""Money: grants with their policy schedule, disbursements, recoveries, budgets, expenses.

Amounts are integer yuan (the policies grant whole yuan; expenses may carry fen, so they
are Decimal). Nothing here is float.
"""

from django.conf import settings
from django.db import models
from django.db.models import F
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from stations.fields import EncryptedCharField, MaskedCopyField
from stations.validators import validate_bank_account


def schedule_years(schedule: dict | None) -> list[dict]:
    """A grant's `schedule` years, each with the parameter version it was decided under."""
    schedule = schedule or {}
    versions = schedule.get("year_versions", {})
    return [
        {**row, "decided_version": versions.get(str(row["year"]))}
        for row in schedule.get("years", [])
    ]


def schedule_year(schedule: dict | None, year: int) -> dict | None:
    """The `schedule_years` row of `year`, or None."""
    for row in schedule_years(schedule):
        if row["year"] == year:
            return row
    return None


class Grant(models.Model):
    """One station's (or project's) support under one city program, with its schedule.

    `schedule` is the policy engine's latest FundingResult for this grant (years with paid,
    recovered, status, clauses) computed from the confirmed evaluations so far; `status` is
    the engine's status vocabulary (active, suspended, rectification, revoked, delisted,
    completed) — the station's own status follows it through stations.services.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("正常")
        SUSPENDED = "suspended", _("停止资助（保留站点）")
        RECTIFICATION = "rectification", _("限期整改")
        REVOKED = "revoked", _("取消资格（撤销）")
        DELISTED = "delisted", _("摘牌")
        COMPLETED = "completed", _("支持期满")

    # The grant's life cycle: status moves only through funding.services.grant_set_status
    # over this table. The engine's yearly decision may sanction, lift a sanction or end the
    # term; a revoked or delisted grant is over. A finished term is still assessed where the
    # policy keeps assessing a station after its one-off money (so it can be sanctioned, and
    # a sanction lifted), and can be revoked (an approved termination, a later finding).
    TRANSITIONS = {
        Status.ACTIVE: frozenset(
            {
                Status.SUSPENDED,
                Status.RECTIFICATION,
                Status.REVOKED,
                Status.DELISTED,
                Status.COMPLETED,
            }
        ),
        Status.RECTIFICATION: frozenset(
            {Status.ACTIVE, Status.SUSPENDED, Status.REVOKED, Status.DELISTED, Status.COMPLETED}
        ),
        Status.SUSPENDED: frozenset(
            {Status.ACTIVE, Status.RECTIFICATION, Status.REVOKED, Status.DELISTED, Status.COMPLETED}
        ),
        Status.COMPLETED: frozenset(
            {Status.ACTIVE, Status.SUSPENDED, Status.RECTIFICATION, Status.REVOKED, Status.DELISTED}
        ),
        Status.REVOKED: frozenset(),
        Status.DELISTED: frozenset(),
    }

    # A program that names no station (a research topic, an award) is granted to its
    # application: `station` is then empty and `application` says what was funded.
    station = models.ForeignKey(
        "stations.Station",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grants",
        verbose_name=_("服务站"),
    )
    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grants",
        verbose_name=_("申报"),
    )
    # Who the grant belongs to, copied from the station (or the application) when it is
    # made: the row scopes (funding.scopes) and the payee rest on these, with or without a
    # station.
    city = models.ForeignKey(
        "stations.City", on_delete=models.PROTECT, related_name="+", verbose_name=_("城市")
    )
    district = models.ForeignKey(
        "stations.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("县（市、区）"),
    )
    society = models.ForeignKey(
        "stations.Society",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("学会"),
    )
    host_unit = models.ForeignKey(
        "stations.HostUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("建站/承担单位"),
    )
    # The individual paid where the program pays an expert (Program.payee "expert").
    payee_name = models.CharField(_("收款人"), max_length=100, blank=True)
    program = models.CharField(_("项目代码"), max_length=30)
    level = models.CharField(_("级别"), max_length=12)
    start_year = models.PositiveSmallIntegerField(_("起始年度"))
    amount = models.PositiveIntegerField(
        _("年度（或一次性）金额（元）"),
        help_text=_("政策固定金额自动填入；一事一议或区间金额由管理员在范围内确定"),
    )
    amount_entered = models.PositiveIntegerField(_("管理员确定的金额（元）"), null=True, blank=True)
    status = models.CharField(
        _("资助状态"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    policy_version = models.PositiveIntegerField(_("政策参数版本"))
    policy_params = models.JSONField(_("参数快照"), default=dict)
    schedule = models.JSONField(_("资助计划（政策引擎计算）"), default=dict)
    clauses = models.JSONField(_("政策依据"), default=list)
    # Years the engine scheduled but that were never paid because a recovery of the same
    # money followed (paying and then demanding it back would be pointless).
    withdrawn_years = models.JSONField(_("撤回未付年度"), default=list, blank=True)
    # A penalty (CityPolicy.penalty_measures) freezes the schedule: no further dues.
    frozen_reason = models.CharField(_("冻结原因"), max_length=200, blank=True)
    frozen_clause = models.CharField(_("冻结依据"), max_length=100, blank=True)
    activity_scope = models.CharField(
        _("资助活动内容"),
        max_length=200,
        blank=True,
        help_text=_("用于“不重复资助”核查（政策规定时）"),
    )
    # A ban penalty: no applications accepted until then (CityPolicy.ban_years_param).
    banned_until = models.DateField(_("不予受理申报至"), null=True, blank=True)
    # Running sums of the grant's disbursements and recoveries, moved only by F() updates in
    # funding.services (never by save()): the database refuses a recovery beyond what was
    # paid net of earlier recoveries (constraint grant_recovered_within_paid).
    disbursed_total = models.PositiveIntegerField(_("已拨付合计（元）"), default=0, editable=False)
    recovered_total = models.PositiveIntegerField(_("已追回合计（元）"), default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("资助项目")
        verbose_name_plural = _("资助项目")
        ordering = ["station_id", "start_year", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "program", "start_year"], name="uniq_grant_station_program_year"
            ),
            # A station-less program's workflow end grants its application once.
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(application__isnull=False, station__isnull=True),
                name="uniq_grant_application",
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="grant_amount_nonneg"),
            models.CheckConstraint(
                condition=models.Q(recovered_total__lte=F("disbursed_total")),
                name="grant_recovered_within_paid",
            ),
        ]

    COUNTERS = ("disbursed_total", "recovered_total")

    def __str__(self) -> str:
        return f"{self.subject} · {self.program} · {self.start_year}"

    def save(self, *args, **kwargs):
        """Save everything but the money counters, which only F() updates move."""
        if self.station_id and not self.city_id:
            for name, value in self.parties_of(self.station).items():
                setattr(self, name, value)
        if not self._state.adding and self.pk and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in self.COUNTERS
            ]
        super().save(*args, **kwargs)

    @staticmethod
    def parties_of(station) -> dict:
        """The city, district, society and host unit a station's grant carries (for
        bulk_create, which bypasses save())."""
        return {
            "city_id": station.city_id,
            "district_id": station.district_id,
            "society_id": station.society_id,
            "host_unit_id": station.host_unit_id,
        }

    @property
    def subject(self) -> str:
        """What is funded, as shown: the station, else the application's title."""
        if self.station_id:
            return str(self.station)
        return self.application.title if self.application_id else ""

    @property
    def program_label(self) -> str:
        from policies.api import PolicyError, program_for

        try:
            return gettext(program_for(self.city, self.program).label_zh)
        except PolicyError:
            return self.program

    @property
    def payee_party(self):
        """Return who is paid, as the program declares it (policies Program.payee)."""
        from policies.api import program_for

        payee = program_for(self.city, self.program).payee
        if payee in ("host_unit", "undertaking_unit") and self.host_unit_id:
            return self.host_unit
        # The society, or the society that put forward an expert (whose account it keeps
        # in view; the expert's own name is `payee_name`).
        return self.society

    def schedule_years(self) -> list[dict]:
        """The schedule's years, each with the parameter version it was decided under."""
        return schedule_years(self.schedule)

    def schedule_year(self, year: int) -> dict | None:
        return schedule_year(self.schedule, year)


class GrantDecision(models.Model):
    """An administrator's decision on a grant outside the engine's schedule, with its clause.

    `support` is discretionary later-year support (贵阳 四(三)6): its amount becomes due for
    that year and finance pays it like any scheduled year. `revoke` (贵阳 四(三)4) and
    `penalty` (杭州 附件第十三条) freeze the grant. The station page lists all of them.
    """

    class Kind(models.TextChoices):
        SUPPORT = "support", _("后续年度补助")
        REVOKE = "revoke", _("撤销")
        PENALTY = "penalty", _("处罚")

    grant = models.ForeignKey(
        Grant, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("资助项目")
    )
    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.PositiveIntegerField(_("金额（元）"), default=0)
    reason_code = models.CharField(_("情形"), max_length=30, blank=True)
    reason = models.TextField(_("理由"))
    clause = models.CharField(_("政策依据"), max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("决定人"),
    )
    created_at = models.DateTimeField(_("决定时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("资助决定")
        verbose_name_plural = _("资助决定")
        ordering = ["grant_id", "created_at", "id"]
        constraints = [
            # One discretionary amount per grant-year: it is paid at most once, like the rest.
            models.UniqueConstraint(
                fields=["grant", "year"],
                condition=models.Q(kind="support"),
                name="uniq_support_grant_year",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="support") | models.Q(amount__gt=0),
                name="support_amount_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grant.subject} {self.get_kind_display()} {self.year}"


class Disbursement(models.Model):
    """A payment actually made: at most one per grant and year (the database says so)."""

    grant = models.ForeignKey(
        Grant, on_delete=models.PROTECT, related_name="disbursements", verbose_name=_("资助项目")
    )
    year = models.PositiveSmallIntegerField(_("资助年度"))
    amount = models.PositiveIntegerField(_("金额（元）"))
    clauses = models.JSONField(_("政策依据"), default=list)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审批人"),
    )
    approved_at = models.DateTimeField(_("审批时间"), auto_now_add=True)
    paid_on = models.DateField(_("支付日期"))
    voucher_no = models.CharField(_("凭证号"), max_length=40)
    payee_account_name = models.CharField(_("收款户名"), max_length=100)
    payee_bank = models.CharField(_("开户银行"), max_length=100)
    # Personal/financial data: encrypted at rest, shown in full only to the city's finance
    # and the payee (stations.privacy); templates use {% bank_account d.payee_party … %}.
    payee_account_no = EncryptedCharField(
        _("收款账号"), plain_max_length=30, validators=[validate_bank_account]
    )
    # What the masked view shows (all but the last four digits hidden), so exports for
    # people who may not see the number read it without decrypting (stations.fields).
    payee_account_masked = MaskedCopyField(_("收款账号（脱敏）"), source="payee_account_no")
    notice_sent_at = models.DateTimeField(_("拨付通知发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("资金拨付")
        verbose_name_plural = _("资金拨付")
        ordering = ["grant_id", "year"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "year"], name="uniq_disbursement_grant_year"),
            # One voucher (凭证号) is one bank transaction: it pays a grant once.
            models.UniqueConstraint(
                fields=["grant", "voucher_no"], name="uniq_disbursement_grant_voucher"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="disbursement_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.grant.subject} {self.year}年 {self.amount}元"

    @property
    def payee_party(self):
        """The owner of the payee account, for stations.privacy's masking."""
        return self.grant.payee_party


class Recovery(models.Model):
    """Money demanded back (追回), with its reason, clause and repayments."""

    class Status(models.TextChoices):
        DEMANDED = "demanded", _("已发出追回通知")
        PARTLY_REPAID = "partly_repaid", _("部分退回")
        REPAID = "repaid", _("已全额退回")

    # Moves only through funding.services.recovery_set_status: repayments bring a demand
    # down to partly and then fully repaid; a repaid demand is closed.
    TRANSITIONS = {
        Status.DEMANDED: frozenset({Status.PARTLY_REPAID, Status.REPAID}),
        Status.PARTLY_REPAID: frozenset({Status.REPAID}),
        Status.REPAID: frozenset(),
    }

    class Source(models.TextChoices):
        POLICY = "policy", _("考核结果（政策引擎）")
        MISUSE = "misuse", _("违规使用")
        REVOCATION = "revocation", _("撤销资格")

    grant = models.ForeignKey(
        Grant, on_delete=models.PROTECT, related_name="recoveries", verbose_name=_("资助项目")
    )
    year = models.PositiveSmallIntegerField(_("决定年度"))
    amount = models.PositiveIntegerField(_("追回金额（元）"))
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    reason = models.TextField(_("追回原因"))
    clause = models.CharField(_("政策依据"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DEMANDED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记人"),
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("资金追回")
        verbose_name_plural = _("资金追回")
        ordering = ["grant_id", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="recovery_positive"),
            # The engine's recovery for a grant-year is demanded once, however often the
            # decision is re-applied.
            models.UniqueConstraint(
                fields=["grant", "year"],
                condition=models.Q(source="policy"),
                name="uniq_policy_recovery_grant_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grant.subject} 追回 {self.amount}元"

    @property
    def repaid(self) -> int:
        return sum(r.amount for r in self.repayments.all())

    @property
    def outstanding(self) -> int:
        return self.amount - self.repaid


class Repayment(models.Model):
    recovery = models.ForeignKey(
        Recovery, on_delete=models.PROTECT, related_name="repayments", verbose_name=_("追回")
    )
    amount = models.PositiveIntegerField(_("退回金额（元）"))
    received_on = models.DateField(_("到账日期"))
    voucher_no = models.CharField(_("凭证号"), max_length=40)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记人"),
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("退回款")
        verbose_name_plural = _("退回款")
        ordering = ["recovery_id", "received_on", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="repayment_positive"),
            # A refund voucher is entered once (funding/guards.py also checks the whole grant).
            models.UniqueConstraint(
                fields=["recovery", "voucher_no"], name="uniq_repayment_recovery_voucher"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount}元 {self.received_on}"


class BudgetLine(models.Model):
    """One row of a station's budget table (贵阳 申报书 预算表)."""

    grant = models.ForeignKey(
        Grant, on_delete=models.CASCADE, related_name="budget_lines", verbose_name=_("资助项目")
    )
    category = models.CharField(_("支出类别"), max_length=30)
    content = models.CharField(_("支出内容"), max_length=200)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    basis = models.CharField(_("测算依据"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("填报人"),
    )

    class Meta:
        verbose_name = _("预算明细")
        verbose_name_plural = _("预算明细")
        ordering = ["grant_id", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="budget_positive")
        ]

    def __str__(self) -> str:
        return f"{self.category} {self.amount}"


class Expense(models.Model):
    grant = models.ForeignKey(
        Grant, on_delete=models.CASCADE, related_name="expenses", verbose_name=_("资助项目")
    )
    spent_on = models.DateField(_("支出日期"))
    category = models.CharField(_("支出类别"), max_length=30)
    description = models.CharField(_("用途说明"), max_length=200)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    voucher_no = models.CharField(_("凭证号"), max_length=40, blank=True)
    warning = models.CharField(_("提示"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("填报人"),
    )
    created_at = models.DateTimeField(_("填报时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("经费支出")
        verbose_name_plural = _("经费支出")
        ordering = ["grant_id", "-spent_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="expense_positive")
        ]

    def __str__(self) -> str:
        return f"{self.spent_on} {self.category} {self.amount}"


class ChangeRequest(models.Model):
    """A station's written request to merge, restructure, cancel or change (书面申请).

    益阳 第十四条 (建站单位或上级学会), 贵阳 四(三)5 (建站学会), 杭州 附件第九条 (变更、终止须报
    市科协批准). The city administrator approves or refuses it; an approved cancellation or
    termination ends the station's support. Status moves only through
    funding.services.change_request_set_status over TRANSITIONS.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("不予批准")
        WITHDRAWN = "withdrawn", _("已撤回")

    TRANSITIONS = {
        Status.PENDING: frozenset({Status.APPROVED, Status.REFUSED, Status.WITHDRAWN}),
        Status.APPROVED: frozenset(),
        Status.REFUSED: frozenset(),
        Status.WITHDRAWN: frozenset(),
    }

    station = models.ForeignKey(
        "stations.Station",
        on_delete=models.PROTECT,
        related_name="change_requests",
        verbose_name=_("服务站"),
    )
    kind = models.CharField(_("申请事项"), max_length=20)
    reason = models.TextField(_("申请理由（书面申请内容）"))
    clause = models.CharField(_("政策依据"), max_length=100)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申请人"),
    )
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)

    class Meta:
        verbose_name = _("变更申请")
        verbose_name_plural = _("变更申请")
        ordering = ["station_id", "-requested_at", "-id"]
        constraints = [
            # One open request per station and kind.
            models.UniqueConstraint(
                fields=["station", "kind"],
                condition=models.Q(status="pending"),
                name="uniq_pending_change_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.station} {self.kind} {self.get_status_display()}"


class TaskReceipt(models.Model):
    """A side effect done once: a task writes its key here in the same transaction.

    A redelivered task (acks_late, worker lost) finds the key and does nothing.
    """

    key = models.CharField(_("键"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("任务执行记录")
        verbose_name_plural = _("任务执行记录")

    def __str__(self) -> str:
        return self.key
