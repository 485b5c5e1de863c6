"""The RQ worker process: `tukiverkko worker`."""

from __future__ import annotations

from flask import Flask
from rq import Queue, Worker
from rq.serializers import JSONSerializer

from tukiverkko.platform.jobs import QUEUE_NAME, redis_connection


def run_worker(app: Flask, *, burst: bool = False) -> None:
    """Work the default queue inside the app context until stopped (or empty, if burst)."""
    with app.app_context():
        connection = redis_connection()
        queue = Queue(QUEUE_NAME, connection=connection, serializer=JSONSerializer)
        worker = Worker([queue], connection=connection, serializer=JSONSerializer)
        worker.work(burst=burst, with_scheduler=True)
