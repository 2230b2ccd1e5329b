"""Helpers for the per-city main paths (issue 15): each step is driven by the labels a
person sees, role by role, as each logs in."""

import re

from django.utils import timezone

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def switch(page, login_as, user):
    page.context.clear_cookies()
    return login_as(user)


def field(page, label):
    """The form control whose visible label starts with `label` (the required mark and its
    hidden “（必填）” follow the text)."""
    return page.get_by_label(re.compile("^" + re.escape(label)))


def fill(page, values: dict):
    """Fill controls by their labels: text and dates are typed, a list ticks checkboxes,
    ("select", text) picks an option by its visible text, ("value", v) by its value."""
    for label, value in values.items():
        if isinstance(value, list):
            for choice in value:
                page.get_by_role("checkbox", name=choice, exact=True).check()
        elif isinstance(value, tuple):
            how, choice = value
            field(page, label).select_option(**{"label" if how == "select" else "value": choice})
        else:
            field(page, label).fill(str(value))


def press(page, name):
    """Click the button with this visible text and wait for the page it leads to."""
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def publish_call(page, *, program_label, title, quota=None, closes_on="2026-12-31"):
    page.goto(f"{page.base_url}/applications/calls/")
    page.get_by_role("link", name="发布申报通知").click()
    field(page, "项目类别").select_option(label=program_label)
    values = {
        "通知标题": title,
        "开始申报日期": timezone.localdate().isoformat(),
        "截止日期": closes_on,
    }
    if quota is not None:
        values["名额"] = str(quota)
    fill(page, values)
    press(page, "发布")
    page.get_by_text(f"已发布申报通知：{title}").wait_for()


def attach(page, label, name="材料.pdf"):
    field(page, label).set_input_files({"name": name, "mimeType": "application/pdf", "buffer": PDF})


def act(page, name, comment=None):
    """Act on the application in front of the reader: comment, then the action's button."""
    if comment:
        field(page, "意见").fill(comment)
    press(page, name)


def stage(page):
    return page.inner_text("[data-testid=stage]").strip()


def pay(page, grant, year, voucher, payee=None):
    """Finance records a due year's payment on the grant page; `payee` (户名, 开户银行, 账号)
    fills the payee account where the page has none prefilled."""
    page.goto(f"{page.base_url}/funding/grants/{grant.pk}/")
    form = page.locator(f"[data-testid=pay-{year}]")
    form.get_by_label(re.compile("^支付日期")).fill(timezone.localdate().isoformat())
    form.get_by_label(re.compile("^凭证号")).fill(voucher)
    for label, value in zip(("收款户名", "开户银行", "收款账号"), payee or (), strict=False):
        box = form.get_by_label(re.compile("^" + label))
        if not box.input_value():
            box.fill(value)
    with page.expect_navigation():
        form.get_by_role("button").click()
    page.get_by_text(f"凭证号 {voucher}").wait_for()
