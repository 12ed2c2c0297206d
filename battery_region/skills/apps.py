from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SkillsConfig(AppConfig):
    name = "battery_region.skills"
    label = "skills"
    verbose_name = _("Skills and roles")
