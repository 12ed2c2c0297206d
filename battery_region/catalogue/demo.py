"""Demonstration catalogue: realistic battery-related programmes on both sides of the border.

Everything here has source "demo" and is labelled as demonstration content on every page. Levels and
credits follow the national rules (perustutkinto 180 osp at EQF 4, AMK 240 op at EQF 6, YH 400 YH-poäng,
university courses in hp); titles and places are illustrative, not a statement of what is on offer.
It is loaded through the import writer, so it is validated and idempotent like any import.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from battery_region.catalogue.importers.records import (
    ApplicationWindowRecord,
    OfferingRecord,
    ParsedItem,
    ProgrammeRecord,
    ProviderRecord,
)
from battery_region.catalogue.importers.writer import ImportReport, run_import

SOURCE = "demo"
NOTE = {
    "fi": " (Esimerkkisisältö.)",
    "sv": " (Exempelinnehåll.)",
    "en": " (Demonstration content.)",
}

PROVIDERS = [
    ProviderRecord(
        SOURCE,
        "oamk",
        "provider oamk",
        {
            "fi": "Oulun ammattikorkeakoulu",
            "sv": "Uleåborgs yrkeshögskola",
            "en": "Oulu University of Applied Sciences",
        },
        kind="university",
        country="FI",
        region="FI1D9",
        municipality_code="FI-kunta:564",
        website="https://www.oamk.fi",
    ),
    ProviderRecord(
        SOURCE,
        "oulun-yliopisto",
        "provider oulun-yliopisto",
        {"fi": "Oulun yliopisto", "sv": "Uleåborgs universitet", "en": "University of Oulu"},
        kind="university",
        country="FI",
        region="FI1D9",
        municipality_code="FI-kunta:564",
        website="https://www.oulu.fi",
    ),
    ProviderRecord(
        SOURCE,
        "umea-universitet",
        "provider umea-universitet",
        {"fi": "Uumajan yliopisto", "sv": "Umeå universitet", "en": "Umeå University"},
        kind="university",
        country="SE",
        region="SE331",
        municipality_code="SE-kommun:2480",
        website="https://www.umu.se",
    ),
    ProviderRecord(
        SOURCE,
        "skelleftea-yh",
        "provider skelleftea-yh",
        {
            "fi": "Skellefteån ammattikorkeakoulutus (YH)",
            "sv": "Yrkeshögskolan Skellefteå",
            "en": "Skellefteå Higher Vocational Education",
        },
        kind="education_provider",
        country="SE",
        region="SE331",
        municipality_code="SE-kommun:2482",
    ),
]


def _text(fi: str, sv: str, en: str, *, note: bool = False) -> dict[str, str]:
    if note:
        return {"fi": fi + NOTE["fi"], "sv": sv + NOTE["sv"], "en": en + NOTE["en"]}
    return {"fi": fi, "sv": sv, "en": en}


# (id, provider, titles fi/sv/en, description en-ish trio, kind, type, vocational, eqf, isced, credits, system,
#  offering: country, municipality, region, languages, start, places, exchange places, mode)
PROGRAMMES: list[dict[str, Any]] = [
    {
        "id": "fi-process-industry-vq",
        "provider": "osao",
        "title": _text(
            "Prosessiteollisuuden perustutkinto, akkuteollisuuden osaamisala",
            "Grundexamen inom processindustrin, batteriindustri",
            "Vocational qualification in process industry, battery industry",
        ),
        "description": _text(
            "Opit ajamaan ja valvomaan akkukennojen ja akkumateriaalien valmistusprosesseja, näytteenottoa ja laadunvarmistusta.",
            "Du lär dig köra och övervaka processer för tillverkning av battericeller och batterimaterial, provtagning och kvalitetssäkring.",
            "You learn to run and monitor the manufacturing processes of battery cells and battery materials, sampling and quality assurance.",
            note=True,
        ),
        "kind": "qualification",
        "national_type": "amm",
        "vocational": True,
        "qualification": True,
        "eqf": 4,
        "isced": ["0711"],
        "credits": "180",
        "system": "fi_osp",
        "offering": {
            "country": "FI",
            "municipality": "FI-kunta:564",
            "region": "FI1D9",
            "place": "Oulu",
            "languages": ["fi"],
            "start": dt.date(2027, 8, 9),
            "end": dt.date(2030, 5, 31),
            "places": 24,
            "exchange": 3,
            "mode": "presential",
        },
    },
    {
        "id": "fi-electrical-automation-vq",
        "provider": "osao",
        "title": _text(
            "Sähkö- ja automaatioalan perustutkinto",
            "Grundexamen inom el- och automationsbranschen",
            "Vocational qualification in electrical engineering and automation",
        ),
        "description": _text(
            "Sähköasennukset, automaatiojärjestelmät ja teollisuuden kunnossapito – myös akkutehtaiden tuotantolinjoilla.",
            "Elinstallationer, automationssystem och industriellt underhåll – även på batterifabrikernas produktionslinjer.",
            "Electrical installation, automation systems and industrial maintenance – including battery plant production lines.",
            note=True,
        ),
        "kind": "qualification",
        "national_type": "amm",
        "vocational": True,
        "qualification": True,
        "eqf": 4,
        "isced": ["0713", "0714"],
        "credits": "180",
        "system": "fi_osp",
        "offering": {
            "country": "FI",
            "municipality": "FI-kunta:564",
            "region": "FI1D9",
            "place": "Oulu",
            "languages": ["fi"],
            "season": ("autumn", 2027),
            "places": 40,
            "exchange": 2,
            "mode": "blended",
        },
    },
    {
        "id": "fi-battery-module",
        "provider": "osao",
        "title": _text(
            "Akkukennojen valmistus ja turvallisuus (tutkinnon osa)",
            "Tillverkning av battericeller och säkerhet (examensdel)",
            "Battery cell manufacturing and safety (qualification unit)",
        ),
        "description": _text(
            "Elektrodien pinnoitus, kalanterointi, kuivahuone, elektrolyytin täyttö ja formointi sekä litiumioniakkujen turvallisuus.",
            "Elektrodbeläggning, kalandrering, torrum, elektrolytfyllning och formering samt säkerhet för litiumjonbatterier.",
            "Electrode coating, calendering, dry room work, electrolyte filling and formation, and lithium-ion battery safety.",
            note=True,
        ),
        "kind": "module",
        "national_type": "amm-osa",
        "vocational": True,
        "qualification": False,
        "eqf": 4,
        "isced": ["0711"],
        "credits": "25",
        "system": "fi_osp",
        "offering": {
            "country": "FI",
            "municipality": "FI-kunta:564",
            "region": "FI1D9",
            "place": "Oulu",
            "languages": ["fi", "en"],
            "individual": True,
            "places": 16,
            "exchange": 4,
            "mode": "work_based",
        },
    },
    {
        "id": "fi-oamk-electrical-engineering",
        "provider": "oamk",
        "title": _text(
            "Sähkö- ja automaatiotekniikka, insinööri (AMK)",
            "El- och automationsteknik, ingenjör (YH)",
            "Electrical and automation engineering, Bachelor of Engineering",
        ),
        "description": _text(
            "Sähkövoimatekniikka, automaatio ja energiajärjestelmät; syventävinä opintoina akkujärjestelmät ja sähköinen liikenne.",
            "Elkraftteknik, automation och energisystem; fördjupning i batterisystem och elektrifierade transporter.",
            "Electrical power, automation and energy systems; advanced studies in battery systems and electric mobility.",
            note=True,
        ),
        "kind": "degree_programme",
        "national_type": "amk",
        "vocational": False,
        "qualification": True,
        "eqf": 6,
        "isced": ["0713", "0714"],
        "credits": "240",
        "system": "fi_op",
        "offering": {
            "country": "FI",
            "municipality": "FI-kunta:564",
            "region": "FI1D9",
            "place": "Oulu",
            "languages": ["fi"],
            "start": dt.date(2027, 8, 23),
            "end": dt.date(2031, 5, 31),
            "places": 70,
            "exchange": 0,
            "mode": "presential",
        },
    },
    {
        "id": "fi-oulu-battery-chemistry",
        "provider": "oulun-yliopisto",
        "title": _text(
            "Akkumateriaalien kemia ja kierrätys",
            "Batterimaterialens kemi och återvinning",
            "Battery materials chemistry and recycling",
        ),
        "description": _text(
            "Katodi- ja anodimateriaalit, hydrometallurgiset prosessit ja mustan massan kierrätys.",
            "Katod- och anodmaterial, hydrometallurgiska processer och återvinning av svartmassa.",
            "Cathode and anode active materials, hydrometallurgical processes and black mass recycling.",
            note=True,
        ),
        "kind": "course",
        "national_type": "yo",
        "vocational": False,
        "qualification": False,
        "eqf": 7,
        "isced": ["0711", "0531"],
        "credits": "5",
        "system": "fi_op",
        "offering": {
            "country": "FI",
            "municipality": "FI-kunta:564",
            "region": "FI1D9",
            "place": "Oulu",
            "languages": ["en"],
            "start": dt.date(2027, 9, 6),
            "end": dt.date(2027, 12, 17),
            "places": 40,
            "exchange": 10,
            "mode": "blended",
        },
    },
    {
        "id": "se-process-operator-battery",
        "provider": "skelleftea-kommun",
        "title": _text(
            "Prosessinhoitaja, akkuvalmistus (aikuisten ammatillinen koulutus)",
            "Processoperatör inom batteritillverkning (yrkesvux)",
            "Process operator in battery manufacturing (adult vocational education)",
        ),
        "description": _text(
            "Akkukennojen tuotanto, prosessinohjaus ja laatu Skellefteån akkuteollisuuden tarpeisiin.",
            "Produktion av battericeller, processtyrning och kvalitet för batteriindustrin i Skellefteå.",
            "Battery cell production, process control and quality for the battery industry in Skellefteå.",
            note=True,
        ),
        "kind": "programme",
        "national_type": "VUXGY",
        "vocational": True,
        "qualification": False,
        "eqf": 4,
        "isced": ["0711"],
        "credits": "1000",
        "system": "se_gyp",
        "offering": {
            "country": "SE",
            "municipality": "SE-kommun:2482",
            "region": "SE331",
            "place": "Skellefteå",
            "languages": ["sv"],
            "start": dt.date(2027, 8, 16),
            "end": dt.date(2028, 6, 9),
            "places": 30,
            "exchange": 4,
            "mode": "presential",
        },
    },
    {
        "id": "se-electrician-adult",
        "provider": "skelleftea-kommun",
        "title": _text(
            "Sähköasentaja (aikuisten ammatillinen koulutus)",
            "Elektriker (yrkesvux)",
            "Electrician (adult vocational education)",
        ),
        "description": _text(
            "Sähköasennukset ja automaatio teollisuudessa.",
            "Elinstallationer och automation i industrin.",
            "Electrical installation and automation in industry.",
            note=True,
        ),
        "kind": "programme",
        "national_type": "VUXGY",
        "vocational": True,
        "qualification": False,
        "eqf": 4,
        "isced": ["0713"],
        "credits": "1400",
        "system": "se_gyp",
        "offering": {
            "country": "SE",
            "municipality": "SE-kommun:2482",
            "region": "SE331",
            "place": "Skellefteå",
            "languages": ["sv"],
            "season": ("spring", 2027),
            "places": 24,
            "exchange": 2,
            "mode": "presential",
        },
    },
    {
        "id": "se-yh-battery-production",
        "provider": "skelleftea-yh",
        "title": _text(
            "Akkutekniikka – tuotantoteknikko (YH)",
            "Batteriteknik – produktionstekniker (YH)",
            "Battery technology – production technician (higher vocational)",
        ),
        "description": _text(
            "Akkukennojen valmistusprosessit, automaatio ja kunnossapito; pitkä työssäoppimisjakso akkutehtaalla.",
            "Tillverkningsprocesser för battericeller, automation och underhåll; lång praktik (LIA) på en batterifabrik.",
            "Battery cell manufacturing processes, automation and maintenance; a long work placement at a battery plant.",
            note=True,
        ),
        "kind": "programme",
        "national_type": "YH",
        "vocational": True,
        "qualification": True,
        "eqf": 6,
        "isced": ["0711", "0714"],
        "credits": "400",
        "system": "se_yhp",
        "offering": {
            "country": "SE",
            "municipality": "SE-kommun:2482",
            "region": "SE331",
            "place": "Skellefteå",
            "languages": ["sv", "en"],
            "start": dt.date(2027, 8, 30),
            "end": dt.date(2029, 6, 1),
            "places": 35,
            "exchange": 5,
            "mode": "presential",
        },
    },
    {
        "id": "se-umu-battery-systems",
        "provider": "umea-universitet",
        "title": _text(
            "Akkujärjestelmät ja energian varastointi",
            "Batterisystem och energilagring",
            "Battery systems and energy storage",
        ),
        "description": _text(
            "Litiumioniakkujen toiminta, akunhallintajärjestelmät (BMS) ja akkujen käyttöikä.",
            "Litiumjonbatteriers funktion, batterihanteringssystem (BMS) och batteriers livslängd.",
            "How lithium-ion batteries work, battery management systems (BMS) and battery lifetime.",
            note=True,
        ),
        "kind": "course",
        "national_type": "HS",
        "vocational": False,
        "qualification": False,
        "eqf": 6,
        "isced": ["0713"],
        "credits": "7.5",
        "system": "se_hp",
        "offering": {
            "country": "SE",
            "municipality": "SE-kommun:2480",
            "region": "SE331",
            "place": "Umeå",
            "languages": ["en"],
            "start": dt.date(2027, 1, 18),
            "end": dt.date(2027, 3, 21),
            "places": 40,
            "exchange": 8,
            "mode": "online",
        },
    },
]


def _offering(entry: dict[str, Any]) -> OfferingRecord:
    info = entry["offering"]
    record = OfferingRecord(
        source=SOURCE,
        source_id=f"{entry['id']}-2027",
        ref=f"offering {entry['id']}-2027",
        programme_source_id=entry["id"],
        provider_source_id=entry["provider"],
        teaching_languages=info["languages"],
        country=info["country"],
        region=info["region"],
        municipality_code=info["municipality"],
        place_name=info["place"],
        places=info["places"],
        open_for_exchange=info["exchange"] > 0,
        exchange_places=info["exchange"] or None,
        mode=info["mode"],
        pace="full_time",
    )
    if "start" in info:
        record.start_precision, record.start_date, record.end_date = "exact", info["start"], info.get("end")
        opens = dt.datetime(info["start"].year, 3, 1, 8, tzinfo=dt.UTC)
        record.application_windows = [
            ApplicationWindowRecord(opens=opens, closes=opens + dt.timedelta(days=30), url="https://example.org/apply")
        ]
    elif "season" in info:
        record.start_precision = "season"
        record.start_season, record.start_year = info["season"]
        record.application_windows = [ApplicationWindowRecord(continuous=True)]
    else:
        record.start_precision = "individual"
        record.application_windows = [ApplicationWindowRecord(continuous=True)]
    return record


def demo_items() -> list[ParsedItem]:
    items: list[ParsedItem] = list(PROVIDERS)
    for entry in PROGRAMMES:
        items.append(
            ProgrammeRecord(
                source=SOURCE,
                source_id=entry["id"],
                ref=f"programme {entry['id']}",
                title=entry["title"],
                provider_source_id=entry["provider"],
                description=entry["description"],
                kind=entry["kind"],
                national_type=entry["national_type"],
                is_vocational=entry["vocational"],
                leads_to_qualification=entry["qualification"],
                isced_fields=entry["isced"],
                eqf_level=entry["eqf"],
                credits_value=Decimal(entry["credits"]),
                credits_system=entry["system"],
            )
        )
        items.append(_offering(entry))
    return items


# The roles a provider's editor would confirm for each demo programme (accepted tags, as if reviewed).
DEMO_ROLES = {
    "fi-process-industry-vq": ["cell-production-operator", "chemical-process-operator", "formation-operator"],
    "fi-electrical-automation-vq": ["maintenance-technician", "module-pack-assembler"],
    "fi-battery-module": [
        "cell-production-operator",
        "electrode-coating-operator",
        "formation-operator",
        "dry-room-technician",
    ],
    "fi-oamk-electrical-engineering": ["automation-engineer", "bms-electronics-engineer"],
    "fi-oulu-battery-chemistry": ["hydrometallurgist", "materials-engineer-chemist", "circular-economy-specialist"],
    "se-process-operator-battery": ["cell-production-operator", "formation-operator", "process-technician"],
    "se-electrician-adult": ["maintenance-technician"],
    "se-yh-battery-production": ["process-technician", "maintenance-technician", "electrode-coating-operator"],
    "se-umu-battery-systems": ["battery-engineer", "bms-engineer"],
}


def _tag_roles() -> None:
    try:
        from battery_region.skills.models import Role
        from battery_region.skills.services import programme_tag_add
    except ImportError:
        return
    from battery_region.catalogue.models import Programme

    roles = {role.slug: role for role in Role.objects.filter(slug__in={s for v in DEMO_ROLES.values() for s in v})}
    for programme in Programme.objects.filter(source=SOURCE, source_id__in=DEMO_ROLES):
        for slug in DEMO_ROLES[programme.source_id]:
            if slug in roles:
                programme_tag_add(actor=None, programme=programme, role=roles[slug])


def load() -> ImportReport:
    report = run_import(demo_items, label="demo")
    if not report.ok:
        raise RuntimeError(f"demo catalogue is invalid: {report.problem_lines()}")
    _tag_roles()
    return report
