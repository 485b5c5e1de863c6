"""File storage: the local folder and a real S3-API server on loopback (moto's)."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask

from tests.support.s3 import s3_bucket
from tukiverkko.platform.settings import Settings
from tukiverkko.platform.storage import SIGNED_URL_SECONDS, LocalStorage, S3Storage, make_storage

NAME = "Mieskaverit hakuopas äideille.pdf"  # non-ASCII on purpose


def _s3(endpoint: str, bucket: str) -> S3Storage:
    return s3_bucket(endpoint, bucket)


def test_s3_store_round_trip_and_presigned_download(s3_endpoint: str) -> None:
    storage = _s3(s3_endpoint, "tukiverkko-files")
    storage.put("models/m/materials/a", b"%PDF-1.7 opas", "application/pdf")
    assert storage.get("models/m/materials/a") == b"%PDF-1.7 opas"
    url = storage.signed_url(
        "models/m/materials/a", filename=NAME, content_type="application/pdf", expires_in=60
    )
    assert "X-Amz-Signature" in url and url.startswith(s3_endpoint)
    # A real HTTP download through the presigned link, as a browser would do it.
    resp = requests.get(url, timeout=10)
    assert resp.status_code == 200 and resp.content == b"%PDF-1.7 opas"
    assert resp.headers["Content-Type"] == "application/pdf"
    assert "attachment" in resp.headers["Content-Disposition"]
    # Without the signature the private bucket refuses.
    unsigned = requests.get(url.split("?")[0], timeout=10)
    assert unsigned.status_code == 403
    storage.delete("models/m/materials/a")
    with pytest.raises(KeyError):
        storage.get("models/m/materials/a")


def test_s3_presigned_link_is_short_lived(s3_endpoint: str) -> None:
    # moto does not enforce presigned signatures or expiry, so the lifetime is
    # checked in the link itself (SigV4 signs X-Amz-Expires; a real store
    # refuses the link after that many seconds).
    storage = _s3(s3_endpoint, "tukiverkko-expiry")
    storage.put("k", b"x", "text/plain")
    url = storage.signed_url("k", filename="x.txt", content_type="text/plain")
    assert f"X-Amz-Expires={SIGNED_URL_SECONDS}" in url
    assert "X-Amz-SignedHeaders=host" in url and "X-Amz-Signature=" in url


def test_settings_choose_the_store(tmp_path: Path, s3_endpoint: str) -> None:
    base = Settings(var_dir=tmp_path).resolved()
    assert isinstance(make_storage(base), LocalStorage)
    s3 = replace(base, s3_bucket="b", s3_endpoint_url=s3_endpoint, s3_region="eu-north-1")
    assert isinstance(make_storage(s3), S3Storage)


def test_local_store_signs_and_expires_links(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path, "secret", "http://127.0.0.1:5000/")
    storage.put("models/m/materials/b", b"sisalto", "text/plain")
    assert storage.get("models/m/materials/b") == b"sisalto"
    url = storage.signed_url("models/m/materials/b", filename=NAME, content_type="text/plain")
    token = urlsplit(url).path.removeprefix("/files/")
    assert storage.verify(token) == ("models/m/materials/b", NAME, "text/plain")
    assert storage.verify(token, now=time.time() + 301) is None  # expired
    assert storage.verify(token[:-2] + "xx") is None  # tampered signature
    other = LocalStorage(tmp_path, "another-secret", "http://x")
    assert other.verify(token) is None  # another key
    with pytest.raises(ValueError):
        storage.put("../outside", b"x", "text/plain")


def test_local_links_are_served_by_the_app_until_they_expire(app: Flask) -> None:
    from tukiverkko.platform.storage import LocalStorage

    with app.app_context():
        from tukiverkko.platform.storage import current_storage

        storage = current_storage()
        assert isinstance(storage, LocalStorage)
        storage.put("models/x/materials/c", b"logo", "image/png")
        url = storage.signed_url("models/x/materials/c", filename=NAME, content_type="image/png")
        stale = storage.signed_url(
            "models/x/materials/c", filename="x", content_type="image/png", expires_in=-1
        )
    client = app.test_client()
    resp = client.get(urlsplit(url).path)
    assert resp.status_code == 200 and resp.data == b"logo"
    assert resp.headers["Cache-Control"] == "private, no-store"
    assert "filename*=UTF-8''Mieskaverit" in resp.headers["Content-Disposition"]
    expired = client.get(urlsplit(stale).path, headers={"Accept": "application/json"})
    assert expired.status_code == 404 and expired.json["code"] == "link_expired"
