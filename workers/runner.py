"""Runs one job inside the right tenant and request context, then clears it."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from tukiverkko.platform import context

log = logging.getLogger(__name__)


def resolve(function: str) -> Any:
    """Import `package.module:function`; only our own code may be named."""
    module_name, _, attr = function.partition(":")
    if not module_name.startswith("tukiverkko.") or not attr:
        raise ValueError(f"not a job function: {function!r}")
    return getattr(importlib.import_module(module_name), attr)


def run_job(envelope: dict[str, Any]) -> Any:
    """Entry point of every job, in-process or on an RQ worker.

    The context is bound for the call and restored in `finally` (by `bind`),
    so a reused worker never keeps the previous job's tenant.
    """
    func = resolve(envelope["function"])
    with context.bind(
        request_id=envelope.get("request_id"),
        tenant_id=envelope.get("tenant_id"),
        keep_request_id=False,
    ):
        log.info("job started", extra={"job": envelope["function"]})
        result = func(**envelope.get("kwargs", {}))
        log.info("job finished", extra={"job": envelope["function"]})
        return result
