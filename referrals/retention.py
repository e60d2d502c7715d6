"""Retention of what referrals keeps per case (registered with :func:`disputes.retention.register_anonymiser`, so it
runs inside :func:`disputes.retention.case_anonymise`'s transaction for each finished case past the period).

What goes: the notifications' recipients (phone, e-mail) and their rendered text (SMS, e-mail and the staff inbox
messages, which name the case and may carry a PIN), the delivery errors (a gateway may echo a number); the
personal parts of every handoff packet (the worker's name, ID number and phone, the facts, the work site, the
evidence file names, what the worker wrote in a request, and the parts upper apps declare with
:func:`register_packet_personal_paths`); the free text of handoffs (reason, outcome), legal-aid requests (the
worker's reason; the lawyer's phone and the centre's note), re-employment (skills, desired area, offers' contacts
and notes), counselling (the concern) and the check-ins' answers (what the worker wrote).

What stays: every row, status, kind, channel, organization, timestamp and counter (the handoffs' status history and
delivery record, the legal-aid deadlines and result, the placements, the check-ins' work situation and the help
asked for), the packet's schema, kind, codes, amounts, categories and hashes — so the figures and the timelines
read the same.
"""

import json
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from disputes.retention import ANONYMISED_NAME

from .models import (
    CheckInAnswer,
    CounsellingRequest,
    Handoff,
    HandoffDelivery,
    JobOffer,
    JobPlacement,
    JobSeekingRequest,
    LegalAidAssignment,
    LegalAidRequest,
    Notification,
)

# What a notification's text becomes: the row stays (its channel, status and times are the delivery record).
ANONYMISED_MESSAGE = _("（内容已按保存期限删除）")

# The personal parts of a handoff packet (referrals.handoffs.handoff_packet, aftercare.minimal_packet and the
# requests' details), as key paths; "[]" walks every element of a list. A name becomes the anonymised mark so a
# receiver reading an old packet sees it was removed, not that it was never given; the rest becomes empty.
_PACKET_PERSONAL: dict[str, str] = {
    "worker.name": "mark",
    "worker.id_number": "",
    "worker.phone": "",
    "case.facts": "",
    "employer.site": "",
    "evidence[].name": "",
    "request.reason": "",
    "request.concern": "",
    "request.skills": "",
    "request.desired_area": "",
}


def register_packet_personal_paths(*paths: str) -> None:
    """Called by an upper app that adds a packet section (``register_packet_section``): the paths of its personal
    values (``"agreement.employer_contact.phone"``), emptied when the case is anonymised."""
    for path in paths:
        _PACKET_PERSONAL.setdefault(path, "")


def _redact(node, parts: list[str], replacement) -> bool:
    """Replace the value at ``parts`` under ``node`` (a missing path is not an error: packets differ by kind);
    returns whether anything changed."""
    if not parts:
        return False
    head, rest = parts[0], parts[1:]
    if head.endswith("[]"):
        items = node.get(head[:-2]) if isinstance(node, dict) else None
        if not isinstance(items, list):
            return False
        changed = False
        for item in items:
            changed = _redact(item, rest, replacement) or changed
        return changed
    if not isinstance(node, dict) or head not in node:
        return False
    if rest:
        return _redact(node[head], rest, replacement)
    if node[head] in (None, "", replacement):
        return False
    node[head] = replacement
    return True


def packet_redact(packet: dict) -> dict:
    """The packet with its personal values replaced (in place; returned for convenience). Idempotent."""
    for path, kind in _PACKET_PERSONAL.items():
        replacement = str(ANONYMISED_NAME) if kind == "mark" else ""
        _redact(packet, path.split("."), replacement)
    return packet


def referrals_anonymise(*, case_id: int, at: datetime) -> None:
    """Anonymise referrals' rows of one case (see the module docstring). Runs in the caller's transaction
    (``case_anonymise``), so it is all-or-nothing with the case; a second run changes nothing."""
    Notification.objects.filter(case_id=case_id).update(
        to_phone="", to_email="", body=str(ANONYMISED_MESSAGE), last_error=""
    )
    for handoff in Handoff.objects.filter(case_id=case_id).only("pk", "packet_json"):
        try:
            packet = json.loads(handoff.packet_json or "{}")
        except ValueError:
            packet = {}
        packet_json = json.dumps(packet_redact(packet), ensure_ascii=False, sort_keys=True, default=str)
        Handoff.objects.filter(pk=handoff.pk).update(packet_json=packet_json, reason="", outcome="")
    HandoffDelivery.objects.filter(handoff__case_id=case_id).exclude(last_error="").update(last_error="")
    LegalAidRequest.objects.filter(case_id=case_id).update(reason="")
    LegalAidAssignment.objects.filter(request__case_id=case_id).update(lawyer_phone="", note="")
    JobSeekingRequest.objects.filter(case_id=case_id).update(skills="", desired_area="")
    JobOffer.objects.filter(request__case_id=case_id).update(contact="", note="")
    JobPlacement.objects.filter(request__case_id=case_id).update(note="")
    CounsellingRequest.objects.filter(case_id=case_id).update(concern="")
    CheckInAnswer.objects.filter(case_id=case_id).update(note="")
