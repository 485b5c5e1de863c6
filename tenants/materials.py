"""The orientation folder (perehdytyskansio) of a model: files and signed download links.

The owner uploads files; its staff and partners holding a licence for the
model download them through short-lived signed links. Using the logo needs
an active licence; the other materials stay readable while a licence is
suspended (the partner still looks after its people).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from tukiverkko.platform.db import utcnow
from tukiverkko.platform.errors import ValidationFailed
from tukiverkko.platform.storage import SIGNED_URL_SECONDS, Storage
from tukiverkko.tenants import licensing
from tukiverkko.tenants.licensing import Actor
from tukiverkko.tenants.licensing_models import MaterialKind, ModelMaterial, ProgrammeModel

MAX_FILE_BYTES = 15 * 1024 * 1024  # below the app's 16 MiB request limit


def add_material(
    session: Session,
    storage: Storage,
    model: ProgrammeModel,
    *,
    actor: Actor,
    kind: MaterialKind,
    title: str,
    filename: str,
    content_type: str,
    data: bytes,
) -> ModelMaterial:
    """Store one file of the model's orientation folder (the owner only)."""
    licensing.require_owner(model, actor)
    if not data:
        raise ValidationFailed(
            "The file is empty.", code="empty_file", errors={"files": {"file": ["Empty file."]}}
        )
    if len(data) > MAX_FILE_BYTES:
        raise ValidationFailed(
            "The file is too large.",
            code="file_too_large",
            errors={"files": {"file": ["Max 15 MiB."]}},
        )
    # The key is ours: the uploaded name is only shown, never used as a path.
    key = f"models/{model.id}/materials/{uuid.uuid4().hex}"
    # File first, row second: a failed commit leaves an orphan file (harmless),
    # never a row that points at nothing.
    storage.put(key, data, content_type)
    material = ModelMaterial(
        model_id=model.id,
        kind=kind,
        title=title.strip() or filename,
        filename=(filename or "file").rsplit("/", 1)[-1][:200],
        content_type=content_type or "application/octet-stream",
        size=len(data),
        storage_key=key,
        uploaded_by=actor.user_id,
    )
    session.add(material)
    session.flush()
    return material


def operation_for(kind: MaterialKind) -> str:
    """The licence operation a download is: the logo is 'using the logo'."""
    return "logo" if kind == MaterialKind.LOGO else "materials"


def require_access(
    session: Session, model: ProgrammeModel, *, actor: Actor, operation: str
) -> None:
    """The owner's staff always; a partner only with a licence that allows `operation`."""
    if actor.tenant_id == model.owner_tenant_id:
        return
    assert actor.tenant_id is not None
    licensing.require_active_licence(
        session, actor.tenant_id, model.module_key, operation, model_id=model.id
    )


def download_link(
    session: Session, storage: Storage, material: ModelMaterial, *, actor: Actor
) -> tuple[str, datetime]:
    """A signed link to one file, and when it stops working."""
    model = session.get(ProgrammeModel, material.model_id)
    assert model is not None
    require_access(session, model, actor=actor, operation=operation_for(material.kind))
    url = storage.signed_url(
        material.storage_key, filename=material.filename, content_type=material.content_type
    )
    return url, utcnow() + timedelta(seconds=SIGNED_URL_SECONDS)


def delete_material(
    session: Session, storage: Storage, material: ModelMaterial, *, actor: Actor
) -> None:
    """Remove a file from the folder (the owner only)."""
    model = session.get(ProgrammeModel, material.model_id)
    assert model is not None
    licensing.require_owner(model, actor)
    session.delete(material)
    session.flush()
    storage.delete(material.storage_key)
