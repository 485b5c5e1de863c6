"""The privacy notice (tietosuojaseloste) of a tenant and programme, in fi/sv/en.

Generated, not written by hand: the controller and contacts come from the
tenant's privacy settings (falling back to the organisation's own contact),
the data kept from the core's list below plus each module's declared
`data_fields` (or, if it declares none, its tables' columns), and the
retention periods from the tenant's settings. The fixed text is in the
three languages here rather than in the UI catalogues: it is a legal
document, published as one whole in each language.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tukiverkko.platform import plugins
from tukiverkko.platform.errors import NotFound
from tukiverkko.platform.privacy import retention

LANGUAGES = ("fi", "sv", "en")

# (fi, sv, en) per kind of data the core keeps.
CORE_FIELDS: dict[str, list[tuple[str, str, str]]] = {
    "volunteer": [
        ("nimi", "namn", "name"),
        ("sähköposti ja puhelinnumero", "e-post och telefonnummer", "email and phone number"),
        ("postinumero", "postnummer", "postcode"),
        (
            "kielet, kiinnostuksen kohteet ja vapaat ajat",
            "språk, intressen och lediga tider",
            "languages, interests and availability",
        ),
        ("haastattelumuistiinpanot", "anteckningar från intervjun", "interview notes"),
        ("koulutukset", "utbildningar", "training attended"),
        (
            "tieto rikostaustaotteen näyttämisestä: otteen päivämäärä ja kuka sen näki",
            "uppgift om att utdrag ur straffregistret visats: utdragets datum och vem som såg det",
            "that a criminal-record extract was shown: its date and who saw it",
        ),
        (
            "tapaamiset, tunnit, työnohjaus ja tapahtumat",
            "träffar, timmar, handledning och evenemang",
            "meetings, hours, supervision and events",
        ),
        ("suostumukset", "samtycken", "consents"),
    ],
    "participant": [
        (
            "etunimi tai nimimerkki ja syntymävuosi",
            "förnamn eller pseudonym och födelseår",
            "first name or pseudonym and year of birth",
        ),
        (
            "postinumero, kielet, kiinnostuksen kohteet ja vapaat ajat",
            "postnummer, språk, intressen och lediga tider",
            "postcode, languages, interests and availability",
        ),
        (
            "huoltajan tai yhteyshenkilön nimi, puhelinnumero ja sähköposti",
            "vårdnadshavarens eller kontaktpersonens namn, telefonnummer och e-post",
            "the guardian's or contact person's name, phone number and email",
        ),
        (
            "lähettävä taho, jos toiminta sen sallii",
            "remitterande instans, om verksamheten tillåter",
            "the referring organisation, where the programme allows referrals",
        ),
        ("työntekijän muistiinpanot", "arbetstagarens anteckningar", "coordinators' notes"),
        (
            "kaverisuhde ja sen tapaamiset",
            "kamratrelationen och dess träffar",
            "the match and its meetings",
        ),
        ("suostumukset", "samtycken", "consents"),
    ],
    "account": [
        ("nimi, sähköposti ja kieli", "namn, e-post och språk", "name, email and language"),
        ("kirjautumistapahtumat", "inloggningshändelser", "sign-in events"),
    ],
}

TEXT: dict[str, dict[str, str]] = {
    "fi": {
        "title": "Tietosuojaseloste",
        "controller": "Rekisterinpitäjä",
        "contact": "Yhteystiedot",
        "dpo": "Tietosuoja-asioiden yhteyshenkilö",
        "purpose": "Käsittelyn tarkoitus ja oikeusperuste",
        "purpose_text": (
            "Tietoja käsitellään vapaaehtoistoiminnan järjestämiseksi: vapaaehtoisten"
            " rekrytointiin, koulutukseen ja tukemiseen, osallistujien ja vapaaehtoisten"
            " yhteensovittamiseen ja toiminnan seurantaan. Käsittely perustuu suostumukseen"
            " ja rekisterinpitäjän oikeutettuun etuun; rikostaustan selvittäminen perustuu"
            " lakiin lasten kanssa toimivien vapaaehtoisten rikostaustan selvittämisestä"
            " (148/2014) ja vapaaehtoisen suostumukseen."
        ),
        "data": "Käsiteltävät tiedot",
        "volunteer": "Vapaaehtoiset",
        "participant": "Osallistujat ja huoltajat",
        "guardian": "Huoltajat",
        "account": "Käyttäjätunnukset",
        "sources": "Tietolähteet",
        "sources_text": (
            "Tiedot saadaan henkilöltä itseltään tai lapsen huoltajalta, ja toiminnan"
            " aikana vapaaehtoisilta ja työntekijöiltä."
        ),
        "recipients": "Tietojen luovutukset",
        "recipients_text": (
            "Tietoja ei luovuteta. Toimintamallin omistaja ja rahoittajat saavat vain"
            " yhteenlaskettuja lukuja, joista ketään ei voi tunnistaa. Palvelun ylläpitäjä"
            " käsittelee tietoja rekisterinpitäjän lukuun."
        ),
        "retention": "Säilytysajat",
        "retention_volunteers": "Päättyneen vapaaehtoisen tiedot",
        "retention_participants": "Päättyneen osallistujan tiedot",
        "retention_sign_in": "Kirjautumistapahtumat",
        "days": "päivää",
        "retention_text": (
            "Säilytysajan jälkeen henkilötiedot poistetaan tai anonymisoidaan;"
            " tilastoluvut säilyvät. Rikostaustaotteen näyttämistä koskeva merkintä"
            " poistetaan, kun vapaaehtoistoiminta päättyy."
        ),
        "rights": "Rekisteröidyn oikeudet",
        "rights_text": (
            "Sinulla on oikeus saada pääsy tietoihisi ja saada ne koneluettavassa"
            " muodossa, oikaista virheelliset tiedot, pyytää tietojesi poistamista tai"
            " käsittelyn rajoittamista, vastustaa käsittelyä ja peruuttaa suostumuksesi."
            " Vastaamme pyyntöön kuukauden kuluessa. Voit tehdä valituksen"
            " tietosuojavaltuutetun toimistolle."
        ),
        "module_data": "Toimintamallin omat tiedot",
    },
    "sv": {
        "title": "Dataskyddsbeskrivning",
        "controller": "Personuppgiftsansvarig",
        "contact": "Kontaktuppgifter",
        "dpo": "Kontaktperson i dataskyddsfrågor",
        "purpose": "Ändamål och rättslig grund för behandlingen",
        "purpose_text": (
            "Uppgifterna behandlas för att ordna frivilligverksamheten: rekrytering,"
            " utbildning och stöd av frivilliga, att para ihop deltagare och frivilliga och"
            " uppföljning av verksamheten. Behandlingen grundar sig på samtycke och den"
            " personuppgiftsansvariges berättigade intresse; utredningen av brottslig"
            " bakgrund grundar sig på lagen om utredning av brottslig bakgrund hos"
            " frivilliga som arbetar med barn (148/2014) och den frivilliges samtycke."
        ),
        "data": "Uppgifter som behandlas",
        "volunteer": "Frivilliga",
        "participant": "Deltagare och vårdnadshavare",
        "guardian": "Vårdnadshavare",
        "account": "Användarkonton",
        "sources": "Uppgiftskällor",
        "sources_text": (
            "Uppgifterna fås av personen själv eller av barnets vårdnadshavare, och under"
            " verksamheten av frivilliga och anställda."
        ),
        "recipients": "Utlämnande av uppgifter",
        "recipients_text": (
            "Uppgifterna lämnas inte ut. Ägaren av verksamhetsmodellen och finansiärerna får"
            " endast sammanräknade siffror som ingen kan identifieras ur. Tjänstens"
            " leverantör behandlar uppgifterna för den personuppgiftsansvariges räkning."
        ),
        "retention": "Lagringstider",
        "retention_volunteers": "Uppgifter om frivilliga som slutat",
        "retention_participants": "Uppgifter om deltagare som avslutat",
        "retention_sign_in": "Inloggningshändelser",
        "days": "dagar",
        "retention_text": (
            "Efter lagringstiden raderas eller anonymiseras personuppgifterna;"
            " statistiken bevaras. Anteckningen om att utdrag ur straffregistret visats"
            " raderas när frivilligverksamheten upphör."
        ),
        "rights": "Den registrerades rättigheter",
        "rights_text": (
            "Du har rätt att få tillgång till dina uppgifter och få dem i maskinläsbar"
            " form, att rätta felaktiga uppgifter, att begära radering eller begränsning"
            " av behandlingen, att invända mot behandlingen och att återkalla ditt"
            " samtycke. Vi svarar inom en månad. Du kan lämna in klagomål till"
            " dataombudsmannens byrå."
        ),
        "module_data": "Verksamhetsmodellens egna uppgifter",
    },
    "en": {
        "title": "Privacy notice",
        "controller": "Controller",
        "contact": "Contact details",
        "dpo": "Data protection contact",
        "purpose": "Purpose and legal basis of processing",
        "purpose_text": (
            "The data are processed to run the volunteer programme: recruiting, training"
            " and supporting volunteers, matching participants and volunteers, and"
            " following up the activity. Processing rests on consent and the controller's"
            " legitimate interest; the criminal-background check rests on the Act on"
            " Checking the Criminal Background of Volunteers Working with Children"
            " (148/2014) and the volunteer's consent."
        ),
        "data": "Data processed",
        "volunteer": "Volunteers",
        "participant": "Participants and guardians",
        "guardian": "Guardians",
        "account": "User accounts",
        "sources": "Sources of data",
        "sources_text": (
            "From the person themself or the child's guardian, and during the activity"
            " from volunteers and staff."
        ),
        "recipients": "Disclosure of data",
        "recipients_text": (
            "The data are not disclosed. The owner of the programme model and funders"
            " receive only aggregated figures from which no one can be identified. The"
            " service provider processes the data on the controller's behalf."
        ),
        "retention": "Retention periods",
        "retention_volunteers": "Data of volunteers who have ended",
        "retention_participants": "Data of participants whose case has closed",
        "retention_sign_in": "Sign-in events",
        "days": "days",
        "retention_text": (
            "After the retention period personal data are deleted or anonymised; the"
            " statistics remain. The record that a criminal-record extract was shown is"
            " deleted when the volunteering ends."
        ),
        "rights": "Your rights",
        "rights_text": (
            "You have the right to access your data and receive it in a machine-readable"
            " form, to have wrong data corrected, to ask for erasure or restriction of"
            " processing, to object to processing and to withdraw your consent. We answer"
            " within one month. You may lodge a complaint with the Office of the Data"
            " Protection Ombudsman."
        ),
        "module_data": "Data of the programme model",
    },
}

_INDEX = {"fi": 0, "sv": 1, "en": 2}
# Columns every table has: not "data" in a notice.
_STRUCTURAL = frozenset({"id", "tenant_id", "created_at"})


def _module_fields(module: plugins.ModuleDescription, lang: str) -> list[dict[str, str]]:
    """The module's declared data fields, or else its tables' columns, in `lang`."""
    if module.data_fields:
        return [{"subject": f.subject, "field": getattr(f.names, lang)} for f in module.data_fields]
    from tukiverkko.platform.privacy.subjects import tables

    out = []
    for name, table in sorted(tables().items()):
        if not name.startswith(module.key + "_"):
            continue
        for column in table.columns:
            if column.name in _STRUCTURAL or column.foreign_keys:
                continue
            out.append(
                {
                    "subject": name.removeprefix(module.key + "_"),
                    "field": column.name.replace("_", " "),
                }
            )
    return out


def privacy_notice(
    session: Session,
    tenant: Any,
    *,
    lang: str,
    programme_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """The notice of `tenant` (and one of its programmes) in `lang` (fi, sv or en).

    Every section as (heading, text) pairs plus the data fields by kind of
    person, so that the page and the JSON API show the same thing.
    """
    from tukiverkko.platform.primitives.models import Programme

    lang = lang if lang in LANGUAGES else "fi"
    t = TEXT[lang]
    settings = retention.settings_of(session, tenant.id)
    stmt = select(Programme).where(Programme.retired_at.is_(None))
    if programme_id is not None:
        stmt = select(Programme).where(Programme.id == programme_id)
    programmes = list(session.scalars(stmt.order_by(Programme.name)))
    if programme_id is not None and not programmes:
        raise NotFound("No such programme.")
    modules = []
    for key in sorted({p.module_key for p in programmes}):
        module = plugins.find_module(key)
        if module is not None:
            modules.append(module)
    groups = [
        {
            "subject": kind,
            "heading": t[kind],
            "fields": [names[_INDEX[lang]] for names in fields],
        }
        for kind, fields in CORE_FIELDS.items()
    ]
    for module in modules:
        groups.append(
            {
                "subject": module.key,
                "heading": f"{t['module_data']}: {getattr(module.names, lang)} ({module.model})",
                "fields": [f["field"] for f in _module_fields(module, lang)],
            }
        )
    controller = settings.controller_name or tenant.name
    contact = settings.controller_contact or ", ".join(
        v for v in (tenant.contact_email, tenant.contact_phone) if v
    )
    return {
        "language": lang,
        "title": t["title"],
        "organisation": {"name": tenant.name, "slug": tenant.slug},
        "programmes": [
            {"id": str(p.id), "name": p.name, "module": p.module_key} for p in programmes
        ],
        "controller": {"name": controller, "contact": contact},
        "data_protection_contact": settings.dpo_contact or contact,
        "sections": [
            {"key": "controller", "heading": t["controller"], "text": f"{controller}. {contact}"},
            {"key": "dpo", "heading": t["dpo"], "text": settings.dpo_contact or contact},
            {"key": "purpose", "heading": t["purpose"], "text": t["purpose_text"]},
            {"key": "sources", "heading": t["sources"], "text": t["sources_text"]},
            {"key": "recipients", "heading": t["recipients"], "text": t["recipients_text"]},
            {"key": "retention", "heading": t["retention"], "text": t["retention_text"]},
            {"key": "rights", "heading": t["rights"], "text": t["rights_text"]},
        ],
        "data_heading": t["data"],
        "data": groups,
        "retention": [
            {
                "record": "ended_volunteers",
                "label": t["retention_volunteers"],
                "days": settings.retention_ended_volunteers_days,
            },
            {
                "record": "closed_participants",
                "label": t["retention_participants"],
                "days": settings.retention_closed_participants_days,
            },
            {
                "record": "sign_in_events",
                "label": t["retention_sign_in"],
                "days": settings.retention_sign_in_events_days,
            },
        ],
        "days_word": t["days"],
    }
