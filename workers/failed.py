"""What failed for good, and trying it again: behind `tukiverkko jobs failed|retry`.

Two places hold failures: RQ's failed-job registry (a job that used up its
retries) and outbox messages marked failed (the same failures seen from the
database, also when Redis lost the job). Both are listed; retrying a job
requeues it on RQ, and retrying an outbox message makes it due again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from rq.registry import FailedJobRegistry

from tukiverkko.platform import context, outbox
from tukiverkko.platform.db import get_database
from tukiverkko.platform.jobs import rq_queue

# Outbox messages are listed as "outbox:<uuid>"; RQ's own job ids are hex too.
OUTBOX_PREFIX = "outbox:"


@dataclass(frozen=True)
class FailedItem:
    source: str  # "rq" or "outbox"
    id: str
    what: str
    tenant_id: str
    at: datetime | None
    error: str


def list_failed(*, with_rq: bool = True) -> list[FailedItem]:
    items: list[FailedItem] = []
    if with_rq:
        queue = rq_queue()
        for job_id in FailedJobRegistry(queue=queue).get_job_ids():
            job = queue.fetch_job(job_id)
            if job is not None:
                items.append(_rq_item(job))
    with context.cross_tenant("operator: failed jobs"), get_database().unit_of_work() as s:
        for m in outbox.failed_messages(s):
            error = m.last_error.strip()
            items.append(
                FailedItem(
                    source="outbox",
                    id=f"{OUTBOX_PREFIX}{m.id}",
                    what=m.kind,
                    tenant_id=str(m.tenant_id),
                    at=m.available_at,
                    error=error.splitlines()[-1] if error else "",
                )
            )
    return items


def _rq_item(job) -> FailedItem:  # type: ignore[no-untyped-def]
    envelope = job.args[0] if job.args else {}
    result = job.latest_result()
    text = str(getattr(result, "exc_string", "") or "").strip()
    error = text.splitlines()[-1] if text else ""
    return FailedItem(
        "rq",
        str(job.id),
        envelope.get("function", job.func_name) if isinstance(envelope, dict) else job.func_name,
        (envelope.get("tenant_id") or "") if isinstance(envelope, dict) else "",
        job.ended_at,
        error,
    )


def retry(ids: list[str] | None, *, with_rq: bool = True) -> int:
    """Retry the given failed jobs / outbox messages, or all of them (`ids=None`)."""
    count = 0
    outbox_ids: list[uuid.UUID] = []
    rq_ids: list[str] = []
    if ids is None:
        if with_rq:
            rq_ids = FailedJobRegistry(queue=rq_queue()).get_job_ids()
    else:
        for ident in ids:
            if ident.startswith(OUTBOX_PREFIX):
                outbox_ids.append(uuid.UUID(ident.removeprefix(OUTBOX_PREFIX)))
            else:
                rq_ids.append(ident)
    if with_rq:
        registry = FailedJobRegistry(queue=rq_queue())
        for job_id in rq_ids:
            registry.requeue(job_id)
            count += 1
    with context.cross_tenant("operator: retry failed"), get_database().unit_of_work() as s:
        count += outbox.revive(s, None if ids is None else outbox_ids)
    outbox.dispatch_due()
    return count
