"""Programme and offering factories for the search tests (the catalogue rows are created directly)."""

from __future__ import annotations

import datetime as dt

import factory

from battery_region.catalogue.models import Offering, Programme
from tests.factories import OrganisationFactory


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    provider = factory.SubFactory(OrganisationFactory)
    title_fi = factory.Sequence(lambda n: f"Koulutusohjelma {n}")
    published = True


class OfferingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offering

    programme = factory.SubFactory(ProgrammeFactory)
    provider = factory.LazyAttribute(lambda o: o.programme.provider)
    country = factory.LazyAttribute(lambda o: o.provider.country)
    region = factory.LazyAttribute(lambda o: o.provider.region)
    teaching_languages = "fi"
    status = Offering.Status.PUBLISHED
    start_date = factory.Sequence(lambda n: dt.date(2030, 1, 1) + dt.timedelta(days=n))


def offering(
    *,
    title: str = "",
    language: str = "fi",
    description: str = "",
    outcomes: str = "",
    keywords: str = "",
    qualification: str = "",
    provider: object | None = None,
    programme_kwargs: dict[str, object] | None = None,
    **offering_kwargs: object,
) -> Offering:
    """One offering whose programme text is in `language` (title required; the fi title mirrors it)."""
    programme_fields: dict[str, object] = {
        f"title_{language}": title,
        f"description_{language}": description,
        f"learning_outcomes_{language}": outcomes,
        f"qualification_title_{language}": qualification,
        "keywords": keywords,
    }
    if language != "fi":
        programme_fields.setdefault("title_fi", "")
    programme_fields.update(programme_kwargs or {})
    if provider is not None:
        programme_fields["provider"] = provider
    programme = ProgrammeFactory(**programme_fields)
    offering_kwargs.setdefault("teaching_languages", language)
    return OfferingFactory(programme=programme, **offering_kwargs)
