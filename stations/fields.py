"""A text field encrypted at rest (Fernet, keys from the environment) for bank accounts and IDs.

The database holds `enc1:<token>`; Python code and forms see the plain value. Values are
randomised per write, so these columns cannot be searched or joined on — by design.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from accounts.privacy import mask  # the masked view of these fields' values

PREFIX = "enc1:"


def _derive(secret: str) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest())


@lru_cache(maxsize=4)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty.")
    # The first key encrypts; all of them decrypt, so keys can be rotated.
    return MultiFernet([Fernet(key.encode() if len(key) == 44 else _derive(key)) for key in keys])


def cipher() -> MultiFernet:
    return _cipher(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return PREFIX + cipher().encrypt(value.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored  # a row written before encryption was switched on
    try:
        return cipher().decrypt(stored[len(PREFIX) :].encode()).decode()
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


class MaskedCopyField(models.CharField):
    """The masked form (accounts.privacy.mask: ************1234) of an encrypted field's value,
    kept beside it in plain text.

    What everyone but finance and the payee sees of an account number is its length and last
    four digits; a list or export that shows only that reads this column and decrypts nothing
    ("never decrypt what is not shown"). It is written from the plain value whenever the row is
    saved, by save() and bulk_create() alike (both call pre_save), so no write path can forget it.
    """

    def __init__(self, *args, source: str, **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = mask(getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value


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
