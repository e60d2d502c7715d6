"""Laws, guides, legal-education classes and the consultation assistant (/knowledge/). It reads the lower apps
(dispute categories, the deadline engine, intake and legal-aid links); nothing imports it."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = _("法律知识与咨询")
