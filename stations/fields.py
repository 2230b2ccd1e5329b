"""A text field encrypted at rest (Fernet, keys from the environment) for bank accounts and IDs.

The database holds `enc1:<token>`; Python code and forms see the plain value. Values are
randomised per write, so these columns cannot be searched or joined on — by design.

Reading is on the hot path of exports (a 100,000-row disbursement list decrypts 100,000
account numbers), so `decrypt` opens a token itself before asking `MultiFernet`: the same
Fernet format, keys and order, the HMAC-SHA256 checked (constant-time) before anything is
decrypted, AES-128-CBC — but CBC is computed as one reusable AES-ECB decryptor a thread
XOR the preceding ciphertext block, instead of building an HMAC object, a CBC cipher
context and a padding object per token (half the time). Any token it does not accept goes
to `MultiFernet`, which decides (and raises) exactly as before. Encryption is unchanged.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import threading
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from accounts.privacy import mask  # noqa: F401  (the masked view of these fields' values)

PREFIX = "enc1:"


def _derive(secret: str) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest())


def _fernet_key(key: str) -> bytes:
    return key.encode() if len(key) == 44 else _derive(key)


@lru_cache(maxsize=4)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty.")
    # The first key encrypts; all of them decrypt, so keys can be rotated.
    return MultiFernet([Fernet(_fernet_key(key)) for key in keys])


@lru_cache(maxsize=4)
def _key_pairs(keys: tuple[str, ...]) -> tuple[tuple[bytes, bytes], ...]:
    """(signing key, encryption key) of each Fernet key, in MultiFernet's order."""
    _cipher(keys)  # the same validation (an empty list, a malformed key) as MultiFernet's
    pairs = []
    for key in keys:
        raw = base64.urlsafe_b64decode(_fernet_key(key))
        pairs.append((raw[:16], raw[16:]))
    return tuple(pairs)


_decryptors = threading.local()  # a cipher context is not shared between threads


def _aes_block_decryptor(key: bytes):
    contexts = _decryptors.__dict__
    context = contexts.get(key)
    if context is None:
        # Raw AES block decryption, the building block of CBC below; fed whole blocks only,
        # so the context never carries state from one token to the next.
        context = contexts[key] = Cipher(algorithms.AES(key), modes.ECB()).decryptor()
    return context


def _open(token: str, key_pairs) -> bytes | None:
    """Return the plaintext of a Fernet token, or None to let MultiFernet decide."""
    try:
        data = base64.urlsafe_b64decode(token)
    except (binascii.Error, ValueError):
        return None
    size = len(data) - 57  # version 1 + timestamp 8 + IV 16 + HMAC 32 bytes
    if size <= 0 or size % 16 or data[0] != 0x80:
        return None
    signed, mac = data[:-32], data[-32:]
    for signing_key, encryption_key in key_pairs:
        if not hmac.compare_digest(hmac.digest(signing_key, signed, "sha256"), mac):
            continue
        # CBC: plaintext block i = AES⁻¹(ciphertext block i) XOR ciphertext block i−1 (IV first).
        blocks = _aes_block_decryptor(encryption_key).update(data[25:-32])
        chain = data[9:-48]  # the IV and every ciphertext block but the last
        padded = (int.from_bytes(blocks, "big") ^ int.from_bytes(chain, "big")).to_bytes(
            size, "big"
        )
        pad = padded[-1]
        if 1 <= pad <= 16 and padded[-pad:] == bytes((pad,)) * pad:
            return padded[:-pad]
        return None
    return None


def cipher() -> MultiFernet:
    return _cipher(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return PREFIX + cipher().encrypt(value.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored  # a row written before encryption was switched on
    keys = tuple(settings.FIELD_ENCRYPTION_KEYS)
    token = stored[len(PREFIX) :]
    plain = _open(token, _key_pairs(keys))
    if plain is not None:
        return plain.decode()
    try:
        return _cipher(keys).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "An encrypted value cannot be read with the configured FIELD_ENCRYPTION_KEYS."
        ) from exc


class EncryptedCharField(models.CharField):
    """A CharField whose `max_length` limits the plain value; the column is wider."""

    def __init__(self, *args, **kwargs):
        self.plain_max_length = kwargs.pop("plain_max_length", None) or kwargs.get(
            "max_length", 255
        )
        kwargs["max_length"] = 255
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["plain_max_length"] = self.plain_max_length
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        kwargs.setdefault("max_length", self.plain_max_length)
        return super().formfield(**kwargs)

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else value


class EncryptedJSONField(models.TextField):
    """JSON held encrypted at rest: a whole form's answers, with its contacts and accounts.

    Python code sees the decoded value (dict/list); the column holds `enc1:<token>`.
    Encrypted values cannot be queried by key, so nothing filters on them.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", dict)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return {} if value == "" else value
        return json.loads(decrypt(value))

    def to_python(self, value):
        if isinstance(value, str):
            return json.loads(decrypt(value)) if value else {}
        return value

    def get_prep_value(self, value):
        if value is None:
            return None
        return encrypt(json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder))

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj), ensure_ascii=False, cls=DjangoJSONEncoder)

    def formfield(self, **kwargs):
        from django.forms import JSONField as JSONFormField

        return super().formfield(**{"form_class": JSONFormField, **kwargs})
