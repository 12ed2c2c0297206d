"""Data-quality report per provider: what editors should fix first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from battery_region.catalogue.models import Offering, Programme
from battery_region.organisations.models import Organisation

STALE_AFTER = dt.timedelta(days=365)


@dataclass
class ProviderQuality:
    organisation: Organisation
    programmes: int = 0
    offerings: int = 0
    missing_translations: list[Programme] = field(default_factory=list)
    missing_level: list[Programme] = field(default_factory=list)
    missing_credits: list[Programme] = field(default_factory=list)
    ended: list[Offering] = field(default_factory=list)
    stale: list[Programme | Offering] = field(default_factory=list)

    @property
    def issue_count(self) -> int:
        return (
            len(self.missing_translations)
            + len(self.missing_level)
            + len(self.missing_credits)
            + len(self.ended)
            + len(self.stale)
        )


def quality_report(organisations: QuerySet[Organisation]) -> list[ProviderQuality]:
    """Missing translations, missing level or credits, offerings past their end date, records idle for a year."""
    today = timezone.localdate()
    cutoff = timezone.now() - STALE_AFTER
    rows = []
    for organisation in organisations.order_by("name_fi"):
        programmes = Programme.objects.filter(provider=organisation)
        offerings = Offering.objects.filter(provider=organisation).select_related("programme")
        row = ProviderQuality(organisation, programmes=programmes.count(), offerings=offerings.count())
        row.missing_translations = list(programmes.filter(Q(title_fi="") | Q(title_sv="") | Q(title_en="")))
        row.missing_level = list(programmes.filter(eqf_level__isnull=True))
        row.missing_credits = list(programmes.filter(Q(credits_value__isnull=True) | Q(credits_system="")))
        row.ended = list(
            offerings.filter(end_date__lt=today).exclude(
                status__in=[Offering.Status.ARCHIVED, Offering.Status.CANCELLED]
            )
        )
        row.stale = [*programmes.filter(updated_at__lt=cutoff), *offerings.filter(updated_at__lt=cutoff)]
        rows.append(row)
    return rows
