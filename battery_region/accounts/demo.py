"""Demo users, one per persona. Only for local use: the command refuses them when DEBUG is off."""

from __future__ import annotations

from battery_region.accounts.models import User
from battery_region.organisations.models import Membership, Organisation

# (email, password, full name, organisation source_id, role, is_superuser) — listed in the README too.
PERSONAS: list[tuple[str, str, str, str | None, str | None, bool]] = [
    ("student@demo.invalid", "demo-student-pass", "Saga Student", None, None, False),
    ("editor.osao@demo.invalid", "demo-editor-pass", "Eero Editor", "osao", Membership.Role.EDITOR, False),
    (
        "editor.skelleftea@demo.invalid",
        "demo-editor-pass",
        "Elsa Editor",
        "skelleftea-kommun",
        Membership.Role.EDITOR,
        False,
    ),
    (
        "coordinator@demo.invalid",
        "demo-coordinator-pass",
        "Kim Coordinator",
        "region-vasterbotten",
        Membership.Role.ADMIN,
        False,
    ),
    ("admin@demo.invalid", "demo-admin-pass", "Alex Admin", None, None, True),
]


def load_users(organisations: dict[str, Organisation]) -> list[User]:
    users = []
    for email, password, full_name, org_key, role, superuser in PERSONAS:
        user = User.objects.filter(email=email).first()
        if user is None:
            maker = User.objects.create_superuser if superuser else User.objects.create_user
            user = maker(email=email, password=password, full_name=full_name)
        if org_key and role:
            Membership.objects.get_or_create(user=user, organisation=organisations[org_key], defaults={"role": role})
        users.append(user)
    return users
