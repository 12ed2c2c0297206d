"""Demo organisations: the four partners of the Battery Region letter of intent (Skellefteå, 22.9.2022)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from battery_region.organisations.models import ContactPoint, Organisation
from battery_region.organisations.services import organisation_upsert_from_source

SOURCE = "demo-loi"

PARTNERS: list[dict[str, Any]] = [
    {
        "source_id": "region-vasterbotten",
        "slug": "region-vasterbotten",
        "name_fi": "Västerbottenin alue (Region Västerbotten)",
        "name_sv": "Region Västerbotten",
        "name_en": "Region Västerbotten",
        "description_fi": "Västerbottenin läänin aluekehitysviranomainen.",
        "description_sv": "Regionalt utvecklingsansvarig i Västerbottens län.",
        "description_en": "The regional development authority of Västerbotten County.",
        "kind": Organisation.Kind.REGION_AUTHORITY,
        "country": "SE",
        "region": "SE331",
        "municipality_code": "SE-kommun:2480",
        "website": "https://www.regionvasterbotten.se",
        "signatory": ("Jonas Lundström", "Chef Näringsliv och Samhällsbyggnad, Regional Utveckling"),
    },
    {
        "source_id": "pohjois-pohjanmaan-liitto",
        "slug": "pohjois-pohjanmaan-liitto",
        "name_fi": "Pohjois-Pohjanmaan liitto",
        "name_sv": "Norra Österbottens förbund",
        "name_en": "Council of Oulu Region",
        "description_fi": "Pohjois-Pohjanmaan maakuntien liitto ja aluekehitysviranomainen.",
        "description_sv": "Landskapsförbund och regional utvecklingsmyndighet i Norra Österbotten.",
        "description_en": "The regional council and development authority of North Ostrobothnia.",
        "kind": Organisation.Kind.REGION_AUTHORITY,
        "country": "FI",
        "region": "FI1D9",
        "municipality_code": "FI-kunta:564",
        "website": "https://www.pohjois-pohjanmaa.fi",
        "signatory": ("Tiina Rajala", "Utvecklingschef, Regional Utveckling och Finansiering"),
    },
    {
        "source_id": "skelleftea-kommun",
        "slug": "skelleftea-kommun",
        "name_fi": "Skellefteån kunta",
        "name_sv": "Skellefteå kommun",
        "name_en": "Skellefteå Municipality",
        "description_fi": "Kunta, jonka aikuiskoulutus järjestää akkualan koulutusta.",
        "description_sv": "Kommun vars vuxenutbildning anordnar utbildningar för batteriindustrin.",
        "description_en": "Municipality whose adult education runs training for the battery industry.",
        "kind": Organisation.Kind.MUNICIPALITY,
        "country": "SE",
        "region": "SE331",
        "municipality_code": "SE-kommun:2482",
        "website": "https://skelleftea.se",
        "signatory": ("Simon Dahlgren", "Verksamhetschef Vuxenutbildning"),
    },
    {
        "source_id": "osao",
        "slug": "osao",
        "name_fi": "Oulun seudun koulutuskuntayhtymä OSAO",
        "name_sv": "Utbildningssamkommunen OSAO i Uleåborgsregionen",
        "name_en": "Educational Consortium OSAO",
        "description_fi": "Ammatillisen koulutuksen järjestäjä Oulun seudulla.",
        "description_sv": "Anordnare av yrkesutbildning i Uleåborgsregionen.",
        "description_en": "Vocational education provider in the Oulu region.",
        "kind": Organisation.Kind.EDUCATION_PROVIDER,
        "country": "FI",
        "region": "FI1D9",
        "municipality_code": "FI-kunta:564",
        "website": "https://www.osao.fi",
        "signatory": ("Jarmo Paloniemi", "Managing Director"),
    },
]

LETTER_OF_INTENT_DATE = dt.date(2022, 9, 22)


def load_organisations() -> dict[str, Organisation]:
    """Upsert the partners; signatories are recorded without public consent, plus one demo contact each."""
    result: dict[str, Organisation] = {}
    for entry in PARTNERS:
        data = {k: v for k, v in entry.items() if k not in {"source_id", "signatory"}}
        organisation, _status = organisation_upsert_from_source(
            actor=None, source=SOURCE, source_id=entry["source_id"], data=data
        )
        name, title = entry["signatory"]
        ContactPoint.objects.get_or_create(
            organisation=organisation,
            name=name,
            role=ContactPoint.Role.SIGNATORY,
            defaults={"title_sv": title, "title_en": title},
        )
        ContactPoint.objects.get_or_create(
            organisation=organisation,
            name="Demo Contact",
            role=ContactPoint.Role.CONTACT,
            defaults={
                "title_fi": "Esimerkkiyhteyshenkilö (demo)",
                "title_sv": "Exempelkontakt (demo)",
                "title_en": "Example contact (demo)",
                "email": f"contact@{entry['source_id']}.demo.invalid",
                "consent_given": True,
                "consent_date": LETTER_OF_INTENT_DATE,
            },
        )
        result[entry["source_id"]] = organisation
    return result
