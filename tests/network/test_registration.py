"""Enterprise registration: credit-code checksum, anti-automation checks and the throttle."""

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from network import antibot
from network.models import Enterprise
from tests.factories import make_credit_code

URL = reverse("network:register")


def form_data(client, city, **overrides):
    client.get(URL)  # asks the question and stores it in the session
    answer = client.session[antibot.SESSION_KEY]["answer"]
    data = {
        "city": city.pk,
        "name": "沈阳精工机械有限公司",
        "credit_code": make_credit_code(4242),
        "industry": "装备制造",
        "contact_name": "李明",
        "contact_mobile": "13912340000",
        "contact_email": "liming@example.cn",
        "username": "jinggong",
        "password1": "pw-Secret-123",
        "password2": "pw-Secret-123",
        "challenge": str(answer),
        "website": "",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_registration_creates_an_enterprise_user_in_the_chosen_city(client, shenyang):
    response = client.post(URL, form_data(client, shenyang))
    assert response.status_code == 302
    assert response["Location"] == reverse("network:demand_create")
    enterprise = Enterprise.objects.get()
    assert enterprise.user.role == Role.ENTERPRISE
    assert enterprise.user.city == shenyang == enterprise.city
    assert enterprise.credit_code == make_credit_code(4242)


@pytest.mark.django_db
def test_invalid_credit_code_is_refused_in_chinese_and_other_input_is_kept(client, shenyang):
    bad = make_credit_code(4242)[:-1] + ("0" if make_credit_code(4242)[-1] != "0" else "1")
    response = client.post(URL, form_data(client, shenyang, credit_code=bad))
    assert response.status_code == 200
    html = response.content.decode()
    assert "统一社会信用代码校验位不正确" in html
    assert 'value="沈阳精工机械有限公司"' in html
    assert 'value="liming@example.cn"' in html
    assert not Enterprise.objects.exists()
    assert not User.objects.filter(username="jinggong").exists()


@pytest.mark.django_db
def test_wrong_challenge_answer_is_refused(client, shenyang):
    data = form_data(client, shenyang)
    data["challenge"] = str(int(data["challenge"]) + 1)
    response = client.post(URL, data)
    assert response.status_code == 200
    assert "验证题答案不正确" in response.content.decode()
    assert not Enterprise.objects.exists()


@pytest.mark.django_db
def test_a_filled_honeypot_is_refused(client, shenyang):
    response = client.post(URL, form_data(client, shenyang, website="http://spam.example"))
    assert response.status_code == 200
    assert "提交未通过校验" in response.content.decode()
    assert not Enterprise.objects.exists()


@pytest.mark.django_db
def test_a_form_sent_faster_than_a_person_could_is_refused(client, shenyang, settings):
    settings.NETWORK_REGISTER_MIN_SECONDS = 60
    response = client.post(URL, form_data(client, shenyang))
    assert "提交过快" in response.content.decode()
    assert not Enterprise.objects.exists()


@pytest.mark.django_db
def test_a_post_without_a_fresh_challenge_is_refused(client, shenyang):
    data = form_data(client, shenyang)
    session = client.session
    del session[antibot.SESSION_KEY]
    session.save()
    response = client.post(URL, data)
    assert "验证题已失效" in response.content.decode()


@pytest.mark.django_db
def test_repeated_attempts_from_one_address_are_throttled(client, shenyang, settings):
    settings.NETWORK_REGISTER_MAX_ATTEMPTS = 3
    for _ in range(3):
        response = client.post(URL, form_data(client, shenyang, credit_code="BAD"))
        assert response.status_code == 200
    response = client.post(URL, form_data(client, shenyang))  # even a valid one
    assert response.status_code == 429
    assert "注册尝试过于频繁" in response.content.decode()
    assert not Enterprise.objects.exists()
    # Another address is not affected.
    response = client.post(URL, form_data(client, shenyang), REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 302


@pytest.mark.django_db
def test_forwarded_for_header_does_not_reset_the_throttle_by_default(client, shenyang, settings):
    settings.NETWORK_REGISTER_MAX_ATTEMPTS = 1
    client.post(URL, form_data(client, shenyang, credit_code="BAD"))
    response = client.post(URL, form_data(client, shenyang), HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert response.status_code == 429


@pytest.mark.django_db
def test_duplicate_credit_code_is_refused(client, shenyang, make_enterprise):
    existing = make_enterprise(shenyang)
    response = client.post(URL, form_data(client, shenyang, credit_code=existing.credit_code))
    assert "该统一社会信用代码已注册" in response.content.decode()
