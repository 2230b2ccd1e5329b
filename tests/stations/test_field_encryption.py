"""Encrypted fields: decrypt reads what encrypt wrote under every configured key (rotation),
and refuses a tampered, foreign or garbled token instead of returning anything.

Decryption is cryptography's MultiFernet and nothing of our own: a hand-written faster
opening was measured (a third of the time a token) and not kept."""

from __future__ import annotations

import base64
import threading

import pytest
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.core.exceptions import ImproperlyConfigured

from stations import fields

NEW_KEY = Fernet.generate_key().decode()
OLD_KEY = Fernet.generate_key().decode()
VALUES = [
    "6",
    "6222020200001234567",
    "1" * 15,
    "1" * 16,
    "1" * 17,
    "开户行：中国银行 沈阳分行",
    "x" * 200,
]


@pytest.fixture
def keys(settings):
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    return settings


def stock_decrypt(stored: str) -> str:
    """MultiFernet over the same keys, called directly."""
    return fields.cipher().decrypt(stored[len(fields.PREFIX) :].encode()).decode()


@pytest.mark.parametrize("value", VALUES)
def test_decrypt_reads_what_encrypt_wrote(keys, value):
    stored = fields.encrypt(value)
    assert stored.startswith("enc1:")
    assert fields.decrypt(stored) == stock_decrypt(stored) == value


def test_a_value_encrypted_with_a_rotated_out_key_still_reads(keys):
    old = "enc1:" + Fernet(OLD_KEY.encode()).encrypt(b"6222000011112222").decode()
    assert fields.decrypt(old) == "6222000011112222"


def test_a_derived_key_reads_too(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-fernet-key, a passphrase"]
    stored = fields.encrypt("6222020200001234567")
    assert fields.decrypt(stored) == stock_decrypt(stored) == "6222020200001234567"


def _tampered(stored: str, position: int) -> str:
    data = bytearray(base64.urlsafe_b64decode(stored[len(fields.PREFIX) :]))
    data[position] ^= 0x01
    return fields.PREFIX + base64.urlsafe_b64encode(bytes(data)).decode()


@pytest.mark.parametrize(
    "position",
    [0, 5, 9, 24, 25, 40, -33, -1],
    ids=["version", "timestamp", "iv", "iv-end", "ciphertext", "ciphertext-end", "ct-last", "mac"],
)
def test_a_tampered_token_is_refused_as_before(keys, position):
    bad = _tampered(fields.encrypt("6222020200001234567"), position)
    with pytest.raises(InvalidToken):
        stock_decrypt(bad)
    with pytest.raises(ImproperlyConfigured):
        fields.decrypt(bad)


@pytest.mark.parametrize("token", ["", "gAAAA", "not base64 !", "enc1:" + "A" * 100, "密文"])
def test_garbage_is_refused(keys, token):
    with pytest.raises(ImproperlyConfigured):
        fields.decrypt(fields.PREFIX + token)


def test_a_value_under_unknown_keys_is_refused(keys):
    stranger = Fernet(Fernet.generate_key()).encrypt(b"6222020200001234567").decode()
    with pytest.raises(ImproperlyConfigured):
        fields.decrypt(fields.PREFIX + stranger)


def test_plain_legacy_values_pass_through(keys):
    assert fields.decrypt("6222020200001234567") == "6222020200001234567"


def test_many_tokens_and_threads_each_read_their_own_value(keys):
    reference = MultiFernet([Fernet(NEW_KEY.encode()), Fernet(OLD_KEY.encode())])
    stored = [fields.encrypt(f"62220{n:014d}"[: 6 + n % 20]) for n in range(300)]
    expected = [reference.decrypt(s[len(fields.PREFIX) :].encode()).decode() for s in stored]
    results: dict[int, list[str]] = {}

    def read(worker: int) -> None:
        results[worker] = [fields.decrypt(s) for s in stored]

    threads = [threading.Thread(target=read, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(results[n] == expected for n in range(4))
