"""A text field encrypted at rest (Fernet, keys from the environment) for bank accounts and IDs.

The database holds `enc1:<token>`; Python code and forms see the plain value. Values are
randomised per write, so these columns cannot be searched or joined on — by design.

Reading is on the hot path of exports (a 100,000-row disbursement list decrypts 100,000
account numbers), so `decrypt` opens a token itself before asking `MultiFernet`: the same
Fernet format, keys and order, cryptography's own primitives, the HMAC-SHA256 verified
(constant-time) before anything is decrypted, then AES-128-CBC and the PKCS7 padding —
but with each key's HMAC and AES contexts set up once a thread (the HMAC copied, CBC
computed as AES block decryption XOR the preceding ciphertext block) instead of an HMAC
object, a CBC cipher context and a padding object built per token: a third of the time.
Any token it does not accept goes to `MultiFernet`, which decides (and raises) exactly as
before. Encryption is unchanged.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import threading
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.hmac import HMAC
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


_contexts = threading.local()  # cryptography's contexts are not shared between threads


def _key_contexts(keys: tuple[str, ...]) -> tuple:
    """This thread's (HMAC-SHA256 of the signing key, AES block decryptor of the encryption
    key) for each key, in MultiFernet's order — set up once, not once per token."""
    contexts = _contexts.__dict__.get(keys)
    if contexts is None:
        contexts = _contexts.__dict__[keys] = tuple(
            (
                HMAC(signing_key, hashes.SHA256()),
                # Raw AES block decryption, the building block of CBC below; fed whole
                # blocks only, so it never carries state from one token to the next.
                Cipher(algorithms.AES(encryption_key), modes.ECB()).decryptor(),
            )
            for signing_key, encryption_key in _key_pairs(keys)
        )
    return contexts


def _open(token: str, contexts) -> bytes | None:
    """Return the plaintext of a Fernet token, or None to let MultiFernet decide."""
    try:
        data = base64.urlsafe_b64decode(token.encode())
    except (binascii.Error, ValueError):
        return None
    size = len(data) - 57  # version 1 + timestamp 8 + IV 16 + HMAC 32 bytes
    if size <= 0 or size % 16 or data[0] != 0x80:
        return None
    for signing, blocks in contexts:
        mac = signing.copy()
        mac.update(data[:-32])
        try:
            mac.verify(data[-32:])  # constant-time, as Fernet's
        except InvalidSignature:
            continue  # another key's, or tampered with
        # CBC: plaintext block i = AES⁻¹(ciphertext block i) XOR ciphertext block i−1 (IV first).
        decrypted = blocks.update(data[25:-32])
        chain = data[9:-48]  # the IV and every ciphertext block but the last
        padded = (int.from_bytes(decrypted, "big") ^ int.from_bytes(chain, "big")).to_bytes(
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
    plain = _open(token, _key_contexts(keys))
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
