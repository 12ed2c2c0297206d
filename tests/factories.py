"""factory_boy factories shared by every test module."""

from __future__ import annotations

import factory

from battery_region.accounts.models import User
from battery_region.organisations.models import ContactPoint, Membership, Organisation

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name_fi = factory.Sequence(lambda n: f"Organisaatio {n}")
    name_sv = factory.Sequence(lambda n: f"Organisation {n}")
    name_en = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"organisation-{n}")
    kind = Organisation.Kind.EDUCATION_PROVIDER
    country = "FI"
    region = "FI1D9"
    municipality_code = "FI-kunta:564"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.EDITOR


class ContactPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPoint

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Faker("name")
    role = ContactPoint.Role.CONTACT
    email = factory.Sequence(lambda n: f"contact{n}@example.org")
    consent_given = True
    consent_date = factory.Faker("date_object")
