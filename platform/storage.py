"""File storage: a local folder by default, any S3-API store (boto3) in production.

Files are written and read by key; people download them only through
short-lived signed links: an S3 presigned URL, or for the local folder an
HMAC-signed, expiring URL served by this app (`/files/<token>`). Keys are
made by the platform, never taken from user input.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from flask import Blueprint, Response, current_app, send_file

from tukiverkko.platform.errors import NotFound
from tukiverkko.platform.settings import Settings

# Long enough to start a download, short enough that a forwarded link goes stale.
SIGNED_URL_SECONDS = 300

blp = Blueprint("storage", __name__)


class Storage(Protocol):
    """What the platform needs of a file store."""

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def signed_url(
        self, key: str, *, filename: str, content_type: str, expires_in: int = SIGNED_URL_SECONDS
    ) -> str: ...


def _content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback and the real (UTF-8) name, per RFC 6266."""
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


class LocalStorage:
    """Files in a folder; downloads through HMAC-signed, expiring links to this app."""

    def __init__(self, root: Path, secret_key: str, base_url: str) -> None:
        self.root = Path(root)
        self._key = hashlib.sha256(b"tukiverkko-storage|" + secret_key.encode()).digest()
        self.base_url = base_url.rstrip("/")

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"storage key escapes the folder: {key!r}")
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(path)  # readers never see half a file

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise KeyError(key) from exc

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def _sign(self, payload: bytes) -> str:
        return base64.urlsafe_b64encode(hmac.new(self._key, payload, "sha256").digest()).decode()

    def signed_url(
        self, key: str, *, filename: str, content_type: str, expires_in: int = SIGNED_URL_SECONDS
    ) -> str:
        claims = {"k": key, "f": filename, "t": content_type, "e": int(time.time()) + expires_in}
        payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
        return f"{self.base_url}/files/{payload}.{self._sign(payload.encode()).rstrip('=')}"

    def verify(self, token: str, now: float | None = None) -> tuple[str, str, str] | None:
        """(key, filename, content type) of a valid, unexpired token; else None."""
        payload, _, signature = token.partition(".")
        expected = self._sign(payload.encode()).rstrip("=")
        if not hmac.compare_digest(signature.encode(), expected.encode()):
            return None
        try:
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            key, filename, ctype, expires = claims["k"], claims["f"], claims["t"], claims["e"]
        except (ValueError, KeyError, TypeError):
            return None
        if (now if now is not None else time.time()) > expires:
            return None
        return str(key), str(filename), str(ctype)


class S3Storage:
    """Any S3-API store through boto3; downloads are presigned GET URLs."""

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str = "",
        access_key: str = "",
        secret_key: str = "",
        region: str = "",
    ) -> None:
        self.bucket = bucket
        self._connection = {
            "endpoint_url": endpoint_url or None,
            "aws_access_key_id": access_key or None,
            "aws_secret_access_key": secret_key or None,
            "region_name": region or None,
        }
        # A store that hangs must not hold a web worker for minutes (boto3's
        # defaults: 60 s per attempt, five attempts).
        self.client = self._client(connect_timeout=5, read_timeout=30, max_attempts=3)
        self._probe_client: Any = None

    def _client(self, *, connect_timeout: int, read_timeout: int, max_attempts: int) -> Any:
        import boto3
        from botocore.config import Config

        config = Config(
            # Path-style addressing and SigV4 work with every S3-compatible store.
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries={"mode": "standard", "max_attempts": max_attempts},
        )
        return boto3.client("s3", **self._connection, config=config)

    def check_reachable(self) -> None:
        """Raise unless the bucket answers (HEAD on the bucket, one try of at most ~4 s)."""
        if self._probe_client is None:  # made at the first probe: a client costs ~50 ms
            self._probe_client = self._client(connect_timeout=2, read_timeout=2, max_attempts=1)
        self._probe_client.head_bucket(Bucket=self.bucket)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes:
        try:
            obj = self.client.get_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.NoSuchKey as exc:
            raise KeyError(key) from exc
        body: bytes = obj["Body"].read()
        return body

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def signed_url(
        self, key: str, *, filename: str, content_type: str, expires_in: int = SIGNED_URL_SECONDS
    ) -> str:
        url: str = self.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": _content_disposition(filename),
                "ResponseContentType": content_type,
            },
            ExpiresIn=expires_in,
        )
        return url


def make_storage(settings: Settings) -> Storage:
    """S3 when a bucket is configured, else the local folder."""
    if settings.s3_bucket:
        return S3Storage(
            bucket=settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            region=settings.s3_region,
        )
    assert settings.storage_dir is not None  # filled in by Settings.resolved()
    return LocalStorage(settings.storage_dir, settings.secret_key, settings.base_url)


def current_storage() -> Storage:
    """The app's file store, made on first use."""
    extensions = current_app.extensions
    if "tukiverkko.storage" not in extensions:
        extensions["tukiverkko.storage"] = make_storage(current_app.config["TUKIVERKKO_SETTINGS"])
    storage: Storage = extensions["tukiverkko.storage"]
    return storage


@blp.get("/files/<token>")
def download(token: str) -> Response:
    """Serve a local file for a valid signed link; the signature is the permission."""
    storage = current_storage()
    if not isinstance(storage, LocalStorage):
        raise NotFound("No such file.")
    found = storage.verify(token)
    if found is None:
        raise NotFound("This link is not valid or has expired.", code="link_expired")
    key, filename, content_type = found
    try:
        path = storage._path(key)
    except ValueError as exc:
        raise NotFound("No such file.") from exc
    if not path.is_file():
        raise NotFound("No such file.")
    response = send_file(path, mimetype=content_type, as_attachment=True, download_name=filename)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
