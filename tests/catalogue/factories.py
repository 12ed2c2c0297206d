"""Catalogue factories for tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from battery_region.catalogue.models import Offering, Programme
from tests.factories import OrganisationFactory


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    provider = factory.SubFactory(OrganisationFactory)
    title_fi = factory.Sequence(lambda n: f"Koulutus {n}")
    title_sv = factory.Sequence(lambda n: f"Utbildning {n}")
    title_en = factory.Sequence(lambda n: f"Programme {n}")
    kind = Programme.Kind.QUALIFICATION
    eqf_level = 4
    credits_value = Decimal("180")
    credits_system = "fi_osp"


class OfferingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offering

    programme = factory.SubFactory(ProgrammeFactory)
    provider = factory.SelfAttribute("programme.provider")
    country = factory.SelfAttribute("programme.provider.country")
    region = factory.SelfAttribute("programme.provider.region")
    teaching_languages = "fi"
    start_precision = Offering.StartPrecision.EXACT
    start_date = dt.date(2027, 8, 10)
    start_year = 2027
    start_season = "autumn"
    places = 20
