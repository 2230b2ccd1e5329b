"""Once registrations from one address add up, the form also asks an image CAPTCHA
(django-simple-captcha, drawn on the server, no external service) — issue 13."""

import re

import pytest
from captcha.models import CaptchaStore
from django.urls import reverse

from network.models import Enterprise
from tests.network.test_registration import URL, form_data

pytestmark = pytest.mark.django_db
ADDR = "198.51.100.77"


def captcha_key(page: str) -> str | None:
    match = re.search(r'name="captcha_0" value="([0-9a-f]+)"', page)
    return match.group(1) if match else None


def test_the_captcha_appears_when_the_count_rises_and_must_be_read(client, shenyang, settings):
    settings.NETWORK_REGISTER_CAPTCHA_AFTER = 2
    assert captcha_key(client.get(URL, REMOTE_ADDR=ADDR).content.decode()) is None
    for _ in range(2):  # two failed tries (wrong arithmetic) from one address
        client.post(URL, form_data(client, shenyang, challenge="999"), REMOTE_ADDR=ADDR)
    page = client.get(URL, REMOTE_ADDR=ADDR).content.decode()
    key = captcha_key(page)
    assert key and reverse("captcha-image", args=[key]) in page
    image = client.get(reverse("captcha-image", args=[key]))
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    # The arithmetic alone (what a script solves) is no longer enough.
    data = form_data(client, shenyang)
    data.update({"captcha_0": captcha_key(client.get(URL, REMOTE_ADDR=ADDR).content.decode())})
    data["captcha_1"] = "wrong"
    data["challenge"] = str(client.session["network_register_challenge"]["answer"])
    response = client.post(URL, data, REMOTE_ADDR=ADDR)
    assert "图形验证码不正确" in response.content.decode()
    assert not Enterprise.objects.exists()
    # A person who reads the image gets through.
    page = client.get(URL, REMOTE_ADDR=ADDR).content.decode()
    key = captcha_key(page)
    data = form_data(client, shenyang)
    data["challenge"] = str(client.session["network_register_challenge"]["answer"])
    data.update({"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response})
    response = client.post(URL, data, REMOTE_ADDR=ADDR)
    assert response.status_code == 302 and Enterprise.objects.count() == 1


def test_another_address_is_not_asked(client, shenyang, settings):
    settings.NETWORK_REGISTER_CAPTCHA_AFTER = 1
    client.post(URL, form_data(client, shenyang, challenge="999"), REMOTE_ADDR=ADDR)
    assert captcha_key(client.get(URL, REMOTE_ADDR=ADDR).content.decode())
    assert captcha_key(client.get(URL, REMOTE_ADDR="198.51.100.78").content.decode()) is None
