"""Payload values as the worker reads them in a history sentence: amounts in yuan, days and moments.

Event payloads are stored as JSON, so a date or a datetime arrives as ISO text. A moment is always shown on the
service's local clock (``TIME_ZONE``): a session held at 01:00 in Beijing on the 24th is stored as 17:00 UTC on the
23rd, and the worker must read the 24th.
"""

from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _


def money(value) -> str:
    """An amount in yuan: ``6,000.00``; empty when it is not a number."""
    try:
        return f"{float(value):,.2f}"
    except (TypeError, ValueError):
        return ""


def _local(value) -> date | datetime | None:
    """A date, or a datetime on the local clock, from a date, a datetime or their ISO text; None for anything else."""
    if isinstance(value, str):
        try:
            value = (
                datetime.fromisoformat(value) if "T" in value or " " in value else date.fromisoformat(value)
            )
        except ValueError:
            return None
    if isinstance(value, datetime):
        return timezone.localtime(value) if timezone.is_aware(value) else value
    return value if isinstance(value, date) else None


def day(value) -> str:
    """``2026年11月30日``, the local day of a date or a moment; empty when the value is neither."""
    value = _local(value)
    if value is None:
        return ""
    return _("%(y)d年%(m)d月%(d)d日") % {"y": value.year, "m": value.month, "d": value.day}


def moment(value) -> str:
    """``2026年11月30日 09:30`` on the local clock; empty when the value is not a datetime."""
    value = _local(value)
    if not isinstance(value, datetime):
        return ""
    return _("%(y)d年%(m)d月%(d)d日 %(hh)02d:%(mm)02d") % {
        "y": value.year,
        "m": value.month,
        "d": value.day,
        "hh": value.hour,
        "mm": value.minute,
    }
