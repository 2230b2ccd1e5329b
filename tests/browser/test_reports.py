"""Reports in a real browser: the dashboard, an export job polled by htmx, a PDF page.

Screenshots go to artifacts/ (not committed): reports-dashboard.png, reports-export-job.png
and reports-subsidy-page1.png (the subsidy PDF's first page, via pdftoppm).
"""

import pytest
from django.utils import timezone

from accounts.roles import Role
from funding import services as fund_services
from funding.models import Disbursement
from reports import services as report_services
from reports.models import ExportJob
from stations.choices import Level
from tests.factories import SocietyFactory, StationFactory, UserFactory, city
from tests.reports.helpers import cell_value, open_xlsx, pdf_text, save_artifact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def hangzhou_office():
    c = city("hangzhou")
    admin = UserFactory(role=Role.CITY_ADMIN, city=c)
    finance = UserFactory(role=Role.FINANCE, city=c)
    year = timezone.localdate().year
    for n, (program, amount) in enumerate(
        [("service_base", 80000), ("station", 25000), ("station", 30000)]
    ):
        society = SocietyFactory(city=c, level=Level.CITY, name=f"杭州市浏览器测试学会{n}")
        station = StationFactory(
            city=c, society=society, level=Level.CITY, program=program, name=f"杭州浏览器测试站{n}"
        )
        grant = fund_services.grant_create(
            station=station, program=program, start_year=year, amount=amount, actor=admin
        )
        for due in fund_services.payable(grant):
            fund_services.disbursement_approve(
                grant=grant,
                year=due["year"],
                paid_on=timezone.localdate(),
                voucher_no=f"HZ-B-{n}",
                payee_account_name="某单位",
                payee_bank="中国银行",
                payee_account_no="6222020200001234567",
                actor=finance,
            )
    for n in range(4):
        SocietyFactory(city=c, level=Level.CITY, name=f"杭州市未建站学会{n}")
    return {"admin": admin, "year": year}


def test_dashboard_export_job_and_subsidy_pdf(page, login_as, screenshot, hangzhou_office):
    login_as(hangzhou_office["admin"])
    page.click("[data-testid=nav-reports]")
    page.click("text=本市统计看板")
    page.wait_for_selector("[data-testid=targets]")
    assert "学会科技服务站建成数" in page.inner_text("[data-testid=targets]")
    assert page.locator("svg.ssp-chart").count() >= 6
    screenshot("reports-dashboard")

    # An export job still pending: the page polls with htmx until the link appears.
    job = ExportJob.objects.create(owner=hangzhou_office["admin"], kind="disbursements")
    page.goto(f"{page.base_url}/reports/jobs/{job.pk}/")
    assert page.get_attribute("[data-testid=job-progress]", "data-status") == "pending"
    report_services.export_job_run(job_id=job.pk)
    page.wait_for_selector("[data-testid=job-download]", timeout=10_000)
    screenshot("reports-export-job")
    download = page.request.get(f"{page.base_url}/reports/jobs/{job.pk}/download/")
    assert download.status == 200 and download.body()[:2] == b"PK"
    # The money as paid, read back from the workbook: every voucher, and the totals row's
    # SUM over the amounts equals what was disbursed (grant → disbursement → export).
    ws = open_xlsx(download.body()).active
    header = [c.value for c in ws[1]]
    vouchers = {ws.cell(r, header.index("凭证号") + 1).value for r in range(2, ws.max_row)}
    paid = Disbursement.objects.filter(grant__city__code="hangzhou")
    assert vouchers == set(paid.values_list("voucher_no", flat=True))
    total_ref = f"{ws.cell(1, header.index('金额（元）') + 1).column_letter}{ws.max_row}"
    assert cell_value(ws, total_ref) == sum(d.amount for d in paid)

    # The subsidy report as PDF, its first page kept as PNG for a person to look at.
    page.goto(f"{page.base_url}/reports/subsidy/?year={hangzhou_office['year']}")
    page.wait_for_selector("[data-testid=subsidy-total]")
    assert "135,000" in page.inner_text("[data-testid=subsidy-total]")
    pdf = page.request.get(
        f"{page.base_url}/reports/subsidy/?year={hangzhou_office['year']}&format=pdf"
    )
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "杭州市学会服务站资助资金报表" in pdf_text(pdf.body()).replace("\n", "")
    save_artifact("reports-subsidy-page1", pdf.body())
