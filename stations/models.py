"""The program's lasting objects: cities, societies, host units, experts, stations, activity."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import (
    ActivityKind,
    BranchKind,
    CreditFlagKind,
    CreditParty,
    ExpertRole,
    HostNature,
    InspectionResult,
    Level,
    Rating,
    StationStatus,
    SupervisingCast,
)
from .fields import EncryptedCharField
from .validators import (
    validate_bank_account,
    validate_credit_code,
    validate_mobile,
    validate_phone,
    validate_postcode,
)


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class ContactFields(models.Model):
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_mobile = models.CharField(
        _("联系人手机"), max_length=11, blank=True, validators=[validate_mobile]
    )
    contact_phone = models.CharField(
        _("办公电话"), max_length=20, blank=True, validators=[validate_phone]
    )
    contact_email = models.EmailField(_("电子邮箱"), blank=True)
    address = models.CharField(_("通讯地址"), max_length=200, blank=True)
    postcode = models.CharField(
        _("邮政编码"), max_length=6, blank=True, validators=[validate_postcode]
    )

    class Meta:
        abstract = True


class BankAccountFields(models.Model):
    bank_account_name = models.CharField(_("开户名称"), max_length=100, blank=True)
    bank_name = models.CharField(_("开户银行"), max_length=100, blank=True)
    # Encrypted at rest; shown in full only to finance and the account's owner (see masking).
    bank_account_no = EncryptedCharField(
        _("银行账号"), plain_max_length=30, blank=True, validators=[validate_bank_account]
    )

    class Meta:
        abstract = True


class City(models.Model):
    code = models.SlugField(_("城市代码"), max_length=30, unique=True)
    name = models.CharField(_("城市名称"), max_length=30, unique=True)
    province = models.CharField(_("所属省份"), max_length=30)
    policy_code = models.SlugField(
        _("政策模块代码"), max_length=30, help_text=_("policies/cities/ 下的模块名")
    )

    class Meta:
        verbose_name = _("城市")
        verbose_name_plural = _("城市")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class District(models.Model):
    city = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="districts", verbose_name=_("城市")
    )
    name = models.CharField(_("县（市、区）"), max_length=30)

    class Meta:
        verbose_name = _("县（市、区）")
        verbose_name_plural = _("县（市、区）")
        ordering = ["city_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["city", "name"], name="uniq_district_per_city")
        ]

    def __str__(self) -> str:
        return f"{self.city.name}{self.name}"


class Society(TimeStamped, ContactFields, BankAccountFields):
    city = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="societies", verbose_name=_("所属城市")
    )
    name = models.CharField(_("学会名称"), max_length=100)
    level = models.CharField(_("学会级别"), max_length=12, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="branches",
        verbose_name=_("上级学会"),
    )
    branch_kind = models.CharField(
        _("分支类型"), max_length=10, choices=BranchKind.choices, blank=True
    )
    discipline = models.CharField(_("专业领域"), max_length=50)
    supervising_cast = models.CharField(
        _("业务主管科协"), max_length=20, choices=SupervisingCast.choices
    )
    rating = models.CharField(
        _("社会组织评估等级"), max_length=2, choices=Rating.choices, blank=True
    )
    legal_rep = models.CharField(_("法定代表人"), max_length=50, blank=True)
    legal_rep_title = models.CharField(_("法定代表人职务/职称"), max_length=50, blank=True)
    duties = models.TextField(_("学会职责与主要活动"), blank=True)
    history = HistoricalRecords(verbose_name=_("学会变更记录"))

    # str(society) is this column: dropdowns read it instead of building instances.
    CHOICE_LABEL_FIELD = "name"

    class Meta:
        verbose_name = _("学会")
        verbose_name_plural = _("学会")
        ordering = ["city_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["city", "name"], name="uniq_society_per_city")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def rating_stars(self) -> int:
        return int(self.rating[0]) if self.rating else 0


class SocietyInspection(models.Model):
    society = models.ForeignKey(
        Society, on_delete=models.CASCADE, related_name="inspections", verbose_name=_("学会")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    result = models.CharField(_("年检结论"), max_length=10, choices=InspectionResult.choices)

    class Meta:
        verbose_name = _("年检结果")
        verbose_name_plural = _("年检结果")
        ordering = ["society_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["society", "year"], name="uniq_inspection_year")
        ]

    def __str__(self) -> str:
        return f"{self.society} {self.year} {self.get_result_display()}"


class HostUnit(TimeStamped, ContactFields, BankAccountFields):
    city = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="host_units", verbose_name=_("所属城市")
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="host_units",
        verbose_name=_("所在县（市、区）"),
    )
    name = models.CharField(_("单位名称"), max_length=100)
    nature = models.CharField(_("单位性质"), max_length=20, choices=HostNature.choices)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, validators=[validate_credit_code]
    )
    legal_rep = models.CharField(_("法定代表人"), max_length=50)
    registered_city = models.CharField(
        _("注册地（市）"), max_length=30, help_text=_("工商/民政登记所在城市，如“益阳市”")
    )
    industry = models.CharField(_("重点产业领域"), max_length=50, blank=True)
    industry_fields = models.CharField(_("行业领域（多个用顿号分隔）"), max_length=200, blank=True)
    is_legal_person = models.BooleanField(_("具有独立法人资格"), default=True)
    has_own_cast = models.BooleanField(_("本单位设有科协"), default=False)
    has_expert_workstation = models.BooleanField(
        _("已有市级以上专家工作站等财政支持平台"), default=False
    )
    profile = models.TextField(_("单位简介"), blank=True)
    history = HistoricalRecords(verbose_name=_("建站单位变更记录"))

    class Meta:
        verbose_name = _("建站单位")
        verbose_name_plural = _("建站单位")
        ordering = ["city_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["city", "credit_code"], name="uniq_host_credit_code_per_city"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.credit_code = (self.credit_code or "").strip().upper()
        super().save(*args, **kwargs)


class Expert(TimeStamped):
    city = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="experts", verbose_name=_("所属城市专家库")
    )
    society = models.ForeignKey(
        Society,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="experts",
        verbose_name=_("所属学会"),
    )
    name = models.CharField(_("姓名"), max_length=50)
    title = models.CharField(_("职称"), max_length=50)
    field = models.CharField(_("专业领域"), max_length=50)
    employer = models.CharField(_("工作单位"), max_length=100)
    province = models.CharField(_("工作单位所在省份"), max_length=20)
    mobile = models.CharField(_("手机"), max_length=11, blank=True, validators=[validate_mobile])
    email = models.EmailField(_("电子邮箱"), blank=True)
    bio = models.TextField(_("个人简介"), blank=True)
    is_reviewer = models.BooleanField(_("评审专家库成员"), default=False)
    history = HistoricalRecords(verbose_name=_("专家变更记录"))

    class Meta:
        verbose_name = _("专家")
        verbose_name_plural = _("专家")
        ordering = ["city_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["city", "name", "employer"], name="uniq_expert_per_city"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.title}）"


class CreditFlag(models.Model):
    """A dishonesty (失信) or organised-crime (涉黑涉恶) record against a party."""

    kind = models.CharField(_("类别"), max_length=20, choices=CreditFlagKind.choices)
    party = models.CharField(
        _("涉及主体"), max_length=20, choices=CreditParty.choices, default=CreditParty.ORGANISATION
    )
    society = models.ForeignKey(
        Society,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="credit_flags",
        verbose_name=_("学会"),
    )
    host_unit = models.ForeignKey(
        HostUnit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="credit_flags",
        verbose_name=_("建站单位"),
    )
    expert = models.ForeignKey(
        Expert,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="credit_flags",
        verbose_name=_("专家"),
    )
    source = models.CharField(_("信息来源"), max_length=100)
    recorded_on = models.DateField(_("认定日期"))
    lifted_on = models.DateField(_("移出日期"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("信用记录")
        verbose_name_plural = _("信用记录")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(society__isnull=False, host_unit__isnull=True, expert__isnull=True)
                    | models.Q(society__isnull=True, host_unit__isnull=False, expert__isnull=True)
                    | models.Q(society__isnull=True, host_unit__isnull=True, expert__isnull=False)
                ),
                name="credit_flag_exactly_one_subject",
            )
        ]

    def __str__(self) -> str:
        subject = self.society or self.host_unit or self.expert
        return f"{subject}：{self.get_kind_display()}"

    @property
    def is_active(self) -> bool:
        return self.lifted_on is None


class Station(TimeStamped):
    city = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="stations", verbose_name=_("城市")
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stations",
        verbose_name=_("县（市、区）"),
    )
    society = models.ForeignKey(
        Society, on_delete=models.PROTECT, related_name="stations", verbose_name=_("建站学会")
    )
    host_unit = models.ForeignKey(
        HostUnit, on_delete=models.PROTECT, related_name="stations", verbose_name=_("建站单位")
    )
    level = models.CharField(_("级别"), max_length=12, choices=Level.choices)
    program = models.CharField(_("项目类别"), max_length=30, help_text=_("城市政策中的项目代码"))
    name = models.CharField(_("服务站名称"), max_length=150)
    status = models.CharField(
        _("状态"), max_length=20, choices=StationStatus.choices, default=StationStatus.FILED
    )
    certificate_no = models.CharField(_("证书编号"), max_length=40, blank=True)
    certified_on = models.DateField(_("认定（命名）日期"), null=True, blank=True)
    industry = models.CharField(_("服务产业领域"), max_length=50, blank=True)
    discipline = models.CharField(_("专业"), max_length=50, blank=True)
    agreement_signed_on = models.DateField(_("协议签订日期"), null=True, blank=True)
    term_start = models.DateField(_("协议期限起"), null=True, blank=True)
    term_end = models.DateField(_("协议期限止"), null=True, blank=True)
    agreement_content = models.TextField(_("合作内容"), blank=True)
    head_name = models.CharField(_("站长"), max_length=50, blank=True)
    head_title = models.CharField(_("站长职务/职称"), max_length=50, blank=True)
    head_mobile = models.CharField(
        _("站长手机"), max_length=11, blank=True, validators=[validate_mobile]
    )
    experts = models.ManyToManyField(
        Expert, through="StationExpert", related_name="stations", verbose_name=_("专家团队")
    )
    history = HistoricalRecords(verbose_name=_("服务站变更记录"))

    class Meta:
        verbose_name = _("服务站")
        verbose_name_plural = _("服务站")
        ordering = ["city_id", "name"]
        permissions = [("review_station", _("可评审该服务站"))]
        constraints = [
            models.UniqueConstraint(fields=["city", "name"], name="uniq_station_name_per_city")
        ]
        indexes = [
            models.Index(fields=["city", "status"]),
            models.Index(fields=["city", "district"]),
            # Orderings of the paged lists and the home page ("recently updated stations").
            models.Index(fields=["name", "id"], name="station_name_id_idx"),
            models.Index(fields=["city", "-updated_at", "-id"], name="station_city_recent_idx"),
            models.Index(fields=["-updated_at", "-id"], name="station_recent_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def agreement_years(self) -> float | None:
        if not (self.term_start and self.term_end):
            return None
        return round((self.term_end - self.term_start).days / 365.25, 2)


class StationStatusChange(models.Model):
    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("服务站")
    )
    from_status = models.CharField(
        _("原状态"), max_length=20, choices=StationStatus.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=20, choices=StationStatus.choices)
    changed_at = models.DateTimeField(_("时间"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("操作人"),
    )
    reason = models.TextField(_("原因"), blank=True)
    clause = models.CharField(_("政策依据"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("服务站状态变更")
        verbose_name_plural = _("服务站状态变更")
        ordering = ["station_id", "changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.station}: {self.from_status or '—'} → {self.to_status}"


class StationExpert(models.Model):
    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="team", verbose_name=_("服务站")
    )
    expert = models.ForeignKey(
        Expert, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("专家")
    )
    role = models.CharField(
        _("团队角色"), max_length=10, choices=ExpertRole.choices, default=ExpertRole.MEMBER
    )
    joined_on = models.DateField(_("加入日期"))
    left_on = models.DateField(_("退出日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("专家团队成员")
        verbose_name_plural = _("专家团队成员")
        constraints = [
            models.UniqueConstraint(
                fields=["station", "expert", "joined_on"], name="uniq_station_expert_spell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.station} · {self.expert}"


class StationStaff(models.Model):
    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="staff", verbose_name=_("服务站")
    )
    name = models.CharField(_("姓名"), max_length=50)
    position = models.CharField(_("职务/分工"), max_length=50)
    mobile = models.CharField(_("手机"), max_length=11, blank=True, validators=[validate_mobile])

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")

    def __str__(self) -> str:
        return self.name


class ActivityRecord(TimeStamped):
    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="activities", verbose_name=_("服务站")
    )
    kind = models.CharField(_("活动类别"), max_length=30, choices=ActivityKind.choices)
    date = models.DateField(_("日期"))
    title = models.CharField(_("标题"), max_length=150)
    description = models.TextField(_("内容与成效"), blank=True)
    quantity = models.PositiveIntegerField(
        _("数量"), default=1, help_text=_("专家到站为人·天数，协议进度为百分比，其余为项数")
    )
    trainees = models.PositiveIntegerField(_("培训人数"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("填报人"),
    )

    class Meta:
        verbose_name = _("活动记录")
        verbose_name_plural = _("活动记录")
        ordering = ["station_id", "-date", "-id"]
        indexes = [
            models.Index(fields=["station", "kind", "date"]),
            # The home page's "recent activities" (newest first, across visible stations).
            models.Index(fields=["-date", "-id"], name="activity_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.title}"


def evidence_upload_to(instance: "ActivityEvidence", filename: str) -> str:
    # The stored name is generated by the server; the user's file name is kept only as data.
    import uuid

    return f"evidence/{instance.record.station_id}/{uuid.uuid4().hex}"


class ActivityEvidence(models.Model):
    record = models.ForeignKey(
        ActivityRecord,
        on_delete=models.CASCADE,
        related_name="evidence",
        verbose_name=_("活动记录"),
    )
    file = models.FileField(_("文件"), upload_to=evidence_upload_to)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, verbose_name=_("上传人")
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")

    def __str__(self) -> str:
        return self.original_name
