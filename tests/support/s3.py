"""A real S3-API server on loopback (moto's standalone server) and buckets on it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tukiverkko.platform.storage import S3Storage

REGION = "eu-north-1"


@contextmanager
def moto_server() -> Iterator[str]:
    """Start moto's S3-API server on a free loopback port; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3_bucket(endpoint: str, bucket: str) -> S3Storage:
    """A new, empty bucket on the server at `endpoint`, as the app's own S3 store."""
    storage = S3Storage(
        bucket=bucket,
        endpoint_url=endpoint,
        access_key="testing",
        secret_key="testing",
        region=REGION,
    )
    storage.client.create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    return storage
