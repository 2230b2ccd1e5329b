from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SOCIETY_STAFF = "society_staff", _("学会工作人员")
    HOST_STAFF = "host_staff", _("建站单位工作人员")
    COUNTY_REVIEWER = "county_reviewer", _("县（市、区）科协审核员")
    CITY_ADMIN = "city_admin", _("市科协学会部管理员")
    EXPERT_REVIEWER = "expert_reviewer", _("评审专家")
    TALENT_OFFICE = "talent_office", _("人才办")
    FINANCE = "finance", _("财务")
    ENTERPRISE = "enterprise", _("企业用户")
    SUPERUSER = "superuser", _("平台超级管理员（系统管理员）")
    # 三员分立: account security and the audit trail are separate duties from system admin.
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")


# Roles whose whole scope is one city.
CITY_WIDE_ROLES = frozenset({Role.CITY_ADMIN, Role.TALENT_OFFICE, Role.FINANCE})
# Which scoping field each role must carry.
REQUIRED_SCOPE = {
    Role.SOCIETY_STAFF: "society",
    Role.HOST_STAFF: "host_unit",
    Role.COUNTY_REVIEWER: "district",
    Role.CITY_ADMIN: "city",
    Role.EXPERT_REVIEWER: "expert",
    Role.TALENT_OFFICE: "city",
    Role.FINANCE: "city",
    Role.ENTERPRISE: "city",  # the city chosen at registration (network.Enterprise)
}

# Roles that must pass a second factor (TOTP) before using the platform (settings may narrow).
TWO_FACTOR_ROLES = frozenset(
    {
        Role.CITY_ADMIN,
        Role.TALENT_OFFICE,
        Role.FINANCE,
        Role.SUPERUSER,
        Role.SECURITY_ADMIN,
        Role.AUDIT_ADMIN,
    }
)
