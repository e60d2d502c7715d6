"""Retention of what mediation keeps per case (registered with :func:`disputes.retention.register_anonymiser`, so it
runs inside :func:`disputes.retention.case_anonymise`'s transaction for each finished case past the period).

What goes: the sessions' place, attendees and summary; the employer contacts' names and what was said; the
agreements' employer contact (name and phone), the employer's signatory, the IP the worker signed from, the other
terms and a void reason (free text); the payments' notes, proof file names and proof files (deleted after commit;
a file another payment still uses is kept); the worker's satisfaction comment; the reopen requests' reason and the
station's handling note. In the handoff packets, the agreement section's personal parts (declared to referrals).

What stays: every row with its dates, statuses, amounts, categories and counters — the agreement's number, total,
items, schedule and signing times, the payments' amounts, dates, methods and proof hashes (a receiver can still
match a proof it holds), the satisfaction score — which is all the statistics and the case history read.
"""

from datetime import datetime

from django.db import transaction

from .models import Agreement, ContactLog, MediationSession, Payment, ReopenRequest, SatisfactionSurvey

# The agreement section of a handoff packet (mediation.handoff_packet): its personal values.
PACKET_PERSONAL_PATHS = (
    "agreement.employer_contact.name",
    "agreement.employer_contact.phone",
    "agreement.employer_signatory",
    "agreement.other_terms",
)


def _delete_proofs(payments: list[Payment], *, agreement_ids: list[int]) -> int:
    """Delete, after commit, the stored proof files of ``payments`` that no payment outside ``agreement_ids`` uses
    (the name is derived from the file's hash, so the same proof uploaded twice is one stored file)."""
    names = {payment.proof.name for payment in payments if payment.proof}
    if not names:
        return 0
    shared = set(
        Payment.objects.exclude(agreement_id__in=agreement_ids)
        .filter(proof__in=names)
        .values_list("proof", flat=True)
    )
    storage = Payment._meta.get_field("proof").storage
    for name in names - shared:
        # After commit: a rolled-back anonymisation must not have lost the files.
        transaction.on_commit(lambda name=name: storage.delete(name))
    return len(names - shared)


def mediation_anonymise(*, case_id: int, at: datetime) -> None:
    """Anonymise mediation's rows of one case (see the module docstring). Runs in the caller's transaction
    (``case_anonymise``): all-or-nothing with the case, files deleted only after commit; a second run changes
    nothing."""
    MediationSession.objects.filter(case_id=case_id).update(place="", attendees="", summary="")
    ContactLog.objects.filter(case_id=case_id).update(employer_contact_name="", summary="")
    agreement_ids = list(Agreement.objects.filter(case_id=case_id).values_list("pk", flat=True))
    Agreement.objects.filter(pk__in=agreement_ids).update(
        employer_contact_name="",
        employer_contact_phone="",
        employer_signatory="",
        worker_signed_ip="",
        other_terms="",
        void_reason="",
    )
    payments = list(Payment.objects.filter(agreement_id__in=agreement_ids).exclude(proof=""))
    _delete_proofs(payments, agreement_ids=agreement_ids)
    Payment.objects.filter(agreement_id__in=agreement_ids).update(note="", proof="", proof_name="")
    SatisfactionSurvey.objects.filter(case_id=case_id).update(comment="")
    ReopenRequest.objects.filter(case_id=case_id).update(reason="", handling_note="")
