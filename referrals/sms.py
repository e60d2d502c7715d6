"""SMS providers. A provider has one method, ``send(phone, body)``, and raises on failure."""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from disputes.pii import mask_phone

logger = logging.getLogger(__name__)


class ConsoleSmsBackend:
    """Writes the message to the log with the number masked: for the demo and development."""

    def send(self, phone: str, body: str) -> None:
        logger.info("SMS to %s: %s", mask_phone(phone), body)


def sms_backend():
    return import_string(settings.SMS_BACKEND)()
