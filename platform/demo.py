"""Demo data for `make run`: a few organisations and people to sign in as.

Idempotent: the operator organisation's slug marks the data as loaded.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tukiverkko.platform import context
from tukiverkko.platform.db import unit_of_work, utcnow
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.identity.service import create_user
from tukiverkko.tenants.models import Tenant, TenantKind, TenantStatus

DEMO_PASSWORD = "demo-salasana-2026"

ORGANISATIONS = [
    # slug, name, kind, business id, municipality, people (email, name, role)
    (
        "tukiverkko",
        "Tukiverkko (ylläpito)",
        TenantKind.OPERATOR,
        None,
        "Helsinki",
        [("operaattori@tukiverkko.example", "Olli Operaattori", Role.OPERATOR)],
    ),
    (
        "pienperhe",
        "Pienperheyhdistys ry",
        TenantKind.MODEL_OWNER,
        "0116297-6",
        "Helsinki",
        [("malli@pienperhe.example", "Maija Mallinomistaja", Role.OWNER_STAFF)],
    ),
    (
        "mll",
        "Mannerheimin Lastensuojeluliitto ry",
        TenantKind.MODEL_OWNER,
        "0202091-0",
        "Helsinki",
        [("malli@mll.example", "Mirja Mallinomistaja", Role.OWNER_STAFF)],
    ),
    (
        "miessakit",
        "Miessakit ry",
        TenantKind.MODEL_OWNER,
        "1095063-2",
        "Helsinki",
        [("malli@miessakit.example", "Markku Mallinomistaja", Role.OWNER_STAFF)],
    ),
    (
        "tsemppi",
        "Turun Monipalvelukeskus Tsemppi",
        TenantKind.PARTNER,
        "1234567-1",
        "Turku",
        [
            ("admin@tsemppi.example", "Aino Admin", Role.TENANT_ADMIN),
            ("koordinaattori@tsemppi.example", "Kaisa Koordinaattori", Role.COORDINATOR),
            ("matti@tsemppi.example", "Matti Mieskaveri", Role.VOLUNTEER),
        ],
    ),
    (
        "mll-vs",
        "MLL:n Varsinais-Suomen piiri",
        TenantKind.PARTNER,
        "0204819-8",
        "Turku",
        [
            ("admin@mll-vs.example", "Anna Admin", Role.TENANT_ADMIN),
            ("koordinaattori@mll-vs.example", "Kalle Koordinaattori", Role.COORDINATOR),
        ],
    ),
    (
        "miessakit-oulu",
        "Miessakit ry, Oulu",
        TenantKind.PARTNER,
        "0727153-2",
        "Oulu",
        [("koordinaattori@miessakit.example", "Pekka Koordinaattori", Role.COORDINATOR)],
    ),
]


def load_demo() -> bool:
    """Create the demo organisations and accounts; False if they already exist."""
    with context.cross_tenant("demo data"), unit_of_work() as session:
        if session.scalar(select(Tenant).where(Tenant.slug == ORGANISATIONS[0][0])):
            return False
        for slug, name, kind, business_id, municipality, people in ORGANISATIONS:
            tenant = Tenant(
                slug=slug,
                name=name,
                kind=kind,
                status=TenantStatus.ACTIVE,
                business_id=business_id,
                municipality=municipality,
            )
            session.add(tenant)
            session.flush()
            for email, person, role in people:
                create_user(
                    session,
                    tenant_id=tenant.id,
                    email=email,
                    name=person,
                    role=role,
                    password=DEMO_PASSWORD,
                )
        _demo_licences(session)
    _demo_programmes()
    _demo_module_data()
    return True


# (partner, module, programme name): each partner runs the modules it is licensed for.
PROGRAMMES = [
    ("tsemppi", "mentor_buddy", "Mieskaverit Turku"),
    ("mll-vs", "support_person", "MLL Kaveri Varsinais-Suomi"),
    ("mll-vs", "family_sponsor", "Perhekummi Turku"),
    ("mll-vs", "immigrant_mother_friend", "Ystäväksi maahanmuuttajaäidille Turku"),
    ("miessakit-oulu", "mens_peer_groups", "Toiminnan Miehet Oulu"),
]


def _demo_programmes() -> None:
    """One programme per licensed module, created as the partner (licence checked)."""
    from tukiverkko.platform.primitives.programmes import create_programme

    with context.cross_tenant("demo data"), unit_of_work() as session:
        tenants = {t.slug: t.id for t in session.scalars(select(Tenant))}
    for slug, module_key, name in PROGRAMMES:
        with context.bind(tenant_id=tenants[slug]), unit_of_work() as session:
            programme = create_programme(
                session, module_key=module_key, name=name, actor_id=None, accepts_applications=True
            )
            # The public form for mothers and families too (/t/<slug>/public/…).
            programme.accepts_participant_applications = True


def _demo_module_data() -> None:
    """People, matches and meetings in each demo programme, by the module's own `demo.load`.

    A module may ship `demo.py` beside its models with `load(session, programme,
    actor_id)`; it is found through the registry (the core never names a
    module), and a module without one simply has no demo data.
    """
    from importlib import import_module

    from tukiverkko.platform import plugins
    from tukiverkko.platform.identity.models import User
    from tukiverkko.platform.primitives.models import Programme

    with context.cross_tenant("demo data"), unit_of_work() as session:
        programmes = [(p.tenant_id, p.id, p.module_key) for p in session.scalars(select(Programme))]
    for tenant_id, programme_id, module_key in programmes:
        module = plugins.find_module(module_key)
        if module is None or not module.models:
            continue
        try:
            demo = import_module(f"{module.models.rpartition('.')[0]}.demo")
        except ModuleNotFoundError:
            continue
        with context.bind(tenant_id=tenant_id), unit_of_work() as session:
            coordinator = session.scalar(
                select(User.id).where(User.role == Role.COORDINATOR).order_by(User.email).limit(1)
            )
            programme = session.get(Programme, programme_id)
            if coordinator is not None and programme is not None:
                demo.load(session, programme, coordinator)


def _demo_licences(session: Session) -> None:
    """The models (Mieskaverit®, MLL's three, Toiminnan Miehet) and the partners' licences."""
    from tukiverkko.tenants.licensing_models import (
        ConditionKind,
        Licence,
        LicenceCondition,
        LicenceStatus,
        ProgrammeModel,
    )

    by_slug = {t.slug: t for t in session.scalars(select(Tenant))}
    model = ProgrammeModel(
        owner_tenant_id=by_slug["pienperhe"].id,
        name="Mieskaverit®",
        description=(
            "Aikuinen mies kaveriksi lapselle, joka asuu äitinsä kanssa ja jolla ei ole"
            " läheistä suhdetta isäänsä tai muihin aikuisiin miehiin."
        ),
        module_key="mentor_buddy",
        operating_principles="Kaverisuhde alkaa aina äidin omasta aloitteesta.",
        curriculum="Mieskaverikurssi, noin 15 tuntia.",
    )
    session.add(model)
    session.flush()
    licence = Licence(
        model_id=model.id,
        partner_tenant_id=by_slug["tsemppi"].id,
        area="Turku",
        status=LicenceStatus.ACTIVE,
        resources="Palkattu koordinaattori, tilat ja työnohjaus.",
        how_to_apply="Soita Tsempin koordinaattorille tai täytä hakemus verkossa.",
    )
    session.add(licence)
    session.flush()
    licences = [licence]
    # MLL's three models for its Varsinais-Suomi district, Toiminnan Miehet for Oulu.
    for owner, partner, area, module_key, name in (
        ("mll", "mll-vs", "Varsinais-Suomi", "support_person", "MLL Kaveri"),
        ("mll", "mll-vs", "Varsinais-Suomi", "family_sponsor", "MLL Perhekummi"),
        (
            "mll",
            "mll-vs",
            "Varsinais-Suomi",
            "immigrant_mother_friend",
            "MLL Ystäväksi maahanmuuttajaäidille",
        ),
        ("miessakit", "miessakit-oulu", "Oulu", "mens_peer_groups", "Toiminnan Miehet"),
    ):
        other = ProgrammeModel(owner_tenant_id=by_slug[owner].id, name=name, module_key=module_key)
        session.add(other)
        session.flush()
        licences.append(
            Licence(
                model_id=other.id,
                partner_tenant_id=by_slug[partner].id,
                area=area,
                status=LicenceStatus.ACTIVE,
                resources="Palkattu työntekijä, tilat ja työnohjaus.",
                how_to_apply=f"Ota yhteyttä: {by_slug[partner].name}.",
            )
        )
        session.add(licences[-1])
    session.flush()
    for held in licences:
        for kind in ConditionKind:
            session.add(
                LicenceCondition(licence_id=held.id, kind=kind, satisfied_at=utcnow(), note="demo")
            )
