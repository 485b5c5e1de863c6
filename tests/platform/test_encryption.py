"""Secrets sealed in the database: what a dump shows, rotation, old plain text, bad keys."""

from __future__ import annotations

from dataclasses import replace

import pytest
from flask import Flask
from sqlalchemy import text

from tests.factories import make_org
from tukiverkko.platform import context
from tukiverkko.platform.app import create_app
from tukiverkko.platform.cli import encryption_reseal
from tukiverkko.platform.db import Database
from tukiverkko.platform.encryption import (
    PREFIX,
    Keyring,
    UnreadableSecret,
    derived_key,
    keyring_from_settings,
    new_key,
)
from tukiverkko.platform.identity.models import SsoProvider
from tukiverkko.platform.settings import ConfigurationError, Settings

SECRET = "idp-client-secret-åäö-" + "x" * 150  # long, and not ASCII


def test_a_sealed_value_opens_only_with_its_keys() -> None:
    first, second = new_key().encode(), new_key().encode()
    sealed = Keyring([first]).seal(SECRET)
    assert sealed.startswith(PREFIX) and SECRET not in sealed
    assert Keyring([first]).seal(SECRET) != sealed  # a fresh nonce each time
    assert Keyring([first]).open(sealed) == SECRET
    assert Keyring([second, first]).open(sealed) == SECRET  # rotation: old keys still open
    with pytest.raises(UnreadableSecret):
        Keyring([second]).open(sealed)
    assert Keyring([first]).open("plain-from-before") == "plain-from-before"


def test_rotation_reseals_with_the_first_key() -> None:
    old, new = new_key().encode(), new_key().encode()
    rotating = Keyring([new, old])
    stored = Keyring([old]).seal(SECRET)
    assert rotating.needs_reseal(stored) and rotating.needs_reseal("plain")
    resealed = rotating.reseal(stored)
    assert not rotating.needs_reseal(resealed)
    assert Keyring([new]).open(resealed) == SECRET  # the old key can go now


def test_without_keys_the_key_derives_from_the_secret_key() -> None:
    settings = Settings(secret_key="k" * 40)
    sealed = keyring_from_settings(settings).seal(SECRET)
    assert Keyring([derived_key("k" * 40)]).open(sealed) == SECRET
    with pytest.raises(UnreadableSecret):
        keyring_from_settings(Settings(secret_key="m" * 40)).open(sealed)
    named = Settings(
        secret_key="k" * 40, encryption_keys=f" {new_key()} , {derived_key('k' * 40).decode()}"
    )
    assert keyring_from_settings(named).open(sealed) == SECRET  # the derived key listed second


def test_a_malformed_key_stops_the_start_and_names_the_setting(app: Flask) -> None:
    settings = replace(app.config["TUKIVERKKO_SETTINGS"], encryption_keys=f"{new_key()},not-a-key")
    with pytest.raises(ConfigurationError, match="TUKIVERKKO_ENCRYPTION_KEYS: key 2"):
        create_app(settings)


def _stored(database: Database) -> str:
    with context.cross_tenant("test"), database.unit_of_work() as db:
        return str(db.scalar(text("SELECT client_secret FROM sso_providers")))


def test_reseal_seals_old_plain_text_and_rotated_values(app: Flask, database: Database) -> None:
    org = make_org(database)
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        # As the previous release stored it: plain text.
        db.add(SsoProvider(issuer="https://idp.example.org", client_id="c",
                           client_secret_sealed=SECRET))  # fmt: skip
    runner = app.test_cli_runner()
    result = runner.invoke(encryption_reseal)
    assert result.exit_code == 0 and "1 secret(s)" in result.output, result.output
    stored = _stored(database)
    assert SECRET not in stored and app.extensions["tukiverkko.keyring"].open(stored) == SECRET
    assert "0 secret(s)" in runner.invoke(encryption_reseal).output  # nothing left to do

    # Rotation: a new first key; the app's old key stays listed until the reseal ran.
    old = app.extensions["tukiverkko.keyring"]
    fresh = new_key()
    old_key = derived_key(app.config["TUKIVERKKO_SETTINGS"].secret_key).decode()
    rotated = create_app(replace(app.config["TUKIVERKKO_SETTINGS"],
                                 encryption_keys=f"{fresh},{old_key}"))  # fmt: skip
    assert "1 secret(s)" in rotated.test_cli_runner().invoke(encryption_reseal).output
    assert Keyring([fresh.encode()]).open(_stored(database)) == SECRET
    with pytest.raises(UnreadableSecret):
        old.open(_stored(database))
