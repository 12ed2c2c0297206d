"""One offering as Europass ELM v3 JSON-LD (a LearningOpportunity with its specification and provider).

The @context is embedded rather than referenced by URL, so any JSON-LD processor can expand the document
without network access; its terms follow the ELM EDC application-profile names (title, description,
eqfLevel, thematicArea, creditPoint, providedBy, temporal, homepage, …) mapped to the ELM vocabulary IRIs.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from battery_region.catalogue.credits import CreditSystem
from battery_region.catalogue.models import Offering, Programme
from battery_region.core.translation import as_dict

ELM = "http://data.europa.eu/snb/model/elm/"
SNB = "http://data.europa.eu/snb/"
LANGUAGE_AUTHORITY = "http://publications.europa.eu/resource/authority/language/"
COUNTRY_AUTHORITY = "http://publications.europa.eu/resource/authority/country/"
ECTS_FRAMEWORK = SNB + "education-credit/6fcec5c5af"
ECVET_FRAMEWORK = SNB + "education-credit/60b314e826"
_LANGUAGE_CODES = {"fi": "FIN", "sv": "SWE", "en": "ENG", "se": "SME", "no": "NOR", "de": "DEU"}
_COUNTRY_CODES = {"FI": "FIN", "SE": "SWE", "NO": "NOR"}
_MODES = {
    "presential": SNB + "learning-assessment/9191af2ed9",
    "online": SNB + "learning-assessment/920fbb3cbe",
    "blended": SNB + "learning-assessment/e92d221e4d",
    "work_based": SNB + "learning-assessment/729f3bed4b",
}
_OPPORTUNITY_TYPES = {
    "course": SNB + "learning-opportunity/05053c1cbe",
    "module": SNB + "learning-opportunity/05053c1cbe",
}
_EDUCATIONAL_PROGRAMME = SNB + "learning-opportunity/79343569f3"

CONTEXT: dict[str, Any] = {
    "@version": 1.1,
    "elm": ELM,
    "dc": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "id": "@id",
    "type": "@type",
    "LearningOpportunity": "elm:LearningOpportunity",
    "LearningAchievementSpecification": "elm:LearningAchievementSpecification",
    "Qualification": "elm:Qualification",
    "Organisation": "elm:Organisation",
    "Location": "dc:Location",
    "Address": "elm:Address",
    "PeriodOfTime": "dc:PeriodOfTime",
    "CreditPoint": "elm:CreditPoint",
    "Concept": "skos:Concept",
    "WebResource": "elm:WebResource",
    "title": {"@id": "dc:title", "@container": "@language"},
    "description": {"@id": "dc:description", "@container": "@language"},
    "legalName": {"@id": "elm:legalName", "@container": "@language"},
    "prefLabel": {"@id": "skos:prefLabel", "@container": "@language"},
    "learningAchievementSpecification": {"@id": "elm:learningAchievementSpecification", "@type": "@id"},
    "providedBy": {"@id": "elm:providedBy", "@type": "@id"},
    "eqfLevel": {"@id": "elm:EQFLevel", "@type": "@id"},
    "thematicArea": {"@id": "elm:ISCEDFCode", "@type": "@id"},
    "creditPoint": {"@id": "elm:creditPoint"},
    "framework": {"@id": "elm:framework", "@type": "@id"},
    "point": {"@id": "elm:point"},
    "language": {"@id": "dc:language", "@type": "@id"},
    "defaultLanguage": {"@id": "elm:defaultLanguage", "@type": "@id"},
    "mode": {"@id": "elm:mode", "@type": "@id"},
    "temporal": {"@id": "dc:temporal"},
    "startDate": {"@id": "elm:startDate", "@type": "xsd:dateTime"},
    "endDate": {"@id": "elm:endDate", "@type": "xsd:dateTime"},
    "duration": {"@id": "elm:duration", "@type": "xsd:duration"},
    "applicationDeadline": {"@id": "elm:applicationDeadline", "@type": "xsd:dateTime"},
    "homepage": {"@id": "foaf:homepage"},
    "contentURL": {"@id": "elm:contentURL", "@type": "@id"},
    "location": {"@id": "dc:location"},
    "address": {"@id": "elm:address"},
    "countryCode": {"@id": "elm:countryCode", "@type": "@id"},
    "spatialCode": {"@id": "elm:spatialCode", "@type": "@id"},
    "learningOpportunityType": {"@id": "dc:type", "@type": "@id"},
    "modified": {"@id": "dc:modified", "@type": "xsd:dateTime"},
}


def _texts(obj: Any, name: str) -> dict[str, str]:
    return {code: value for code, value in as_dict(obj, name).items() if value}


def _credit_point(programme: Programme) -> dict[str, Any] | None:
    """ECTS for op/hp/ECTS/YH (official equivalence); ECVET for osaamispisteet; nothing for hours or weeks."""
    if programme.credits_value is None:
        return None
    ects = programme.ects
    if ects is not None:
        return {"type": "CreditPoint", "framework": ECTS_FRAMEWORK, "point": f"{ects.normalize():f}"}
    if programme.credits_system == CreditSystem.FI_OSP:
        return {
            "type": "CreditPoint",
            "framework": ECVET_FRAMEWORK,
            "point": f"{programme.credits_value.normalize():f}",
        }
    return None


def _specification(programme: Programme, base: str) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "id": f"{base}/programmes/{programme.pk}",
        "type": "Qualification" if programme.leads_to_qualification else "LearningAchievementSpecification",
        "title": _texts(programme, "title"),
    }
    if description := _texts(programme, "description"):
        spec["description"] = description
    if programme.eqf_level:
        spec["eqfLevel"] = f"{SNB}eqf/{programme.eqf_level}"
    codes = [f.code for f in programme.isced_fields.all()]
    if codes:
        spec["thematicArea"] = [f"{SNB}isced-f/{code}" for code in codes]
    if credit := _credit_point(programme):
        spec["creditPoint"] = credit
    return spec


def offering_jsonld(offering: Offering) -> dict[str, Any]:
    base = settings.SITE_URL
    programme = offering.programme
    provider = offering.provider
    languages = [f"{LANGUAGE_AUTHORITY}{_LANGUAGE_CODES[c]}" for c in offering.language_list if c in _LANGUAGE_CODES]
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": f"{base}/offerings/{offering.pk}",
        "type": "LearningOpportunity",
        "title": _texts(offering, "title") or _texts(programme, "title"),
        "learningOpportunityType": _OPPORTUNITY_TYPES.get(programme.kind, _EDUCATIONAL_PROGRAMME),
        "learningAchievementSpecification": _specification(programme, base),
        "providedBy": {
            "id": f"{base}/organisations/{provider.slug}",
            "type": "Organisation",
            "legalName": _texts(provider, "name"),
            "location": {
                "type": "Location",
                "address": {
                    "type": "Address",
                    "countryCode": f"{COUNTRY_AUTHORITY}{_COUNTRY_CODES.get(provider.country, 'ZZZ')}",
                },
            },
        },
        "homepage": {"type": "WebResource", "contentURL": offering.url or f"{base}{offering.get_absolute_url()}"},
        "modified": offering.updated_at.isoformat(),
    }
    if description := _texts(offering, "description"):
        document["description"] = description
    if languages:
        document["defaultLanguage"] = languages[0]
        document["language"] = languages
    if offering.mode in _MODES:
        document["mode"] = _MODES[offering.mode]
    if offering.duration:
        document["duration"] = offering.duration
    if offering.start_date or offering.end_date:
        period: dict[str, Any] = {"type": "PeriodOfTime"}
        if offering.start_date:
            period["startDate"] = f"{offering.start_date.isoformat()}T00:00:00"
        if offering.end_date:
            period["endDate"] = f"{offering.end_date.isoformat()}T00:00:00"
        document["temporal"] = period
    deadlines = [w.closes.isoformat() for w in offering.application_windows.all() if w.closes]
    if deadlines:
        document["applicationDeadline"] = deadlines
    if offering.region:
        document["location"] = {"type": "Location", "spatialCode": f"http://data.europa.eu/nuts/code/{offering.region}"}
    return document
