"""Secrets kept in the database, encrypted at rest: an organisation's SSO client secret.

A database dump, a backup or a read replica must not hand out the
credentials organisations gave us for their own identity providers. Such a
value is *sealed* (Fernet: AES-128-CBC with an HMAC-SHA256, from the
`cryptography` package) before it is written and opened only where it is
used. The stored text says how it was sealed (`fernet:v1:` + token).

Keys (`TUKIVERKKO_ENCRYPTION_KEYS`): Fernet keys, comma-separated; the first
seals, every one opens. To rotate, put a new key first, keep the old ones
after it, run `tukiverkko encryption reseal`, then drop the old keys. When
the setting is empty, one key is derived from `TUKIVERKKO_SECRET_KEY`
(HKDF-SHA256), so the embedded default and existing installations work
unchanged; set the keys explicitly before rotating the secret key.

A value stored before this release is plain text (no prefix): it is read as
it is and sealed the next time it is written, or by `reseal` (run it once
every process runs this release: the previous release reads plain text only).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from tukiverkko.platform.settings import ConfigurationError, Settings

PREFIX = "fernet:v1:"
_DERIVATION_INFO = b"tukiverkko database encryption v1"


class UnreadableSecret(Exception):
    """A sealed value that none of the configured keys opens (a key was dropped too early)."""


class Keyring:
    """The keys that seal and open secrets stored in the database."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ValueError("a keyring needs at least one key")
        self._primary = Fernet(keys[0])
        self._all = MultiFernet([Fernet(key) for key in keys])

    def seal(self, plaintext: str) -> str:
        """`plaintext` sealed with the first key, as it is stored."""
        return PREFIX + self._primary.encrypt(plaintext.encode()).decode("ascii")

    def open(self, stored: str) -> str:
        """The plain value of `stored` (sealed with any key, or plain text from before sealing)."""
        if not stored.startswith(PREFIX):
            return stored
        try:
            return self._all.decrypt(stored[len(PREFIX) :].encode("ascii")).decode()
        except InvalidToken as error:
            raise UnreadableSecret("no configured key opens this value") from error

    def needs_reseal(self, stored: str) -> bool:
        """Whether `stored` is plain text or sealed with another key than the first."""
        if not stored.startswith(PREFIX):
            return True
        try:
            self._primary.decrypt(stored[len(PREFIX) :].encode("ascii"))
        except InvalidToken:
            return True
        return False

    def reseal(self, stored: str) -> str:
        """`stored` sealed again with the first key (plain text is sealed)."""
        return self.seal(self.open(stored))


def derived_key(secret_key: str) -> bytes:
    """The Fernet key derived from the app's secret key (used when no keys are set)."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_DERIVATION_INFO).derive(
        secret_key.encode()
    )
    return base64.urlsafe_b64encode(raw)


def _configured_keys(value: str) -> Iterator[bytes]:
    for position, part in enumerate(value.split(","), start=1):
        key = part.strip().encode("ascii", "replace")
        if not key:
            continue
        try:
            Fernet(key)
        except ValueError:
            raise ConfigurationError(
                f"TUKIVERKKO_ENCRYPTION_KEYS: key {position} is not a Fernet key (32 bytes, "
                "url-safe base64); make one with `tukiverkko encryption new-key`"
            ) from None
        yield key


def keyring_from_settings(settings: Settings) -> Keyring:
    """The keyring the settings name, or the one derived from the secret key."""
    keys = list(_configured_keys(settings.encryption_keys))
    return Keyring(keys or [derived_key(settings.secret_key)])


def current_keyring() -> Keyring:
    """The app's keyring (made by the app factory)."""
    keyring: Keyring = current_app.extensions["tukiverkko.keyring"]
    return keyring


def new_key() -> str:
    """A fresh random Fernet key, for TUKIVERKKO_ENCRYPTION_KEYS."""
    return Fernet.generate_key().decode("ascii")
