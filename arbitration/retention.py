"""Retention of what arbitration keeps per case (registered with :func:`disputes.retention.register_anonymiser`, so it
runs inside :func:`disputes.retention.case_anonymise`'s transaction for each finished case past the period).

What goes: the hearings' notes, the name of the worker's lawyer in an enforcement, the recoveries' notes (free
text), and the PDF files of the documents arbitration issued for the case (decisions, rulings, notices, awards:
they name the parties and give their addresses), deleted after commit.

What stays: the hearings' kind, time and place (the commission's or court's address), the award with its amounts,
items, finality and its legal ground, the enforcement's court, number, amounts and dates, the recoveries' amounts
and dates — and each issued document's record (number, title, issuer, issue time, SHA-256, revocation), so
``/verify/`` still answers that the platform issued that document on that day, with no personal data, and a
holder of the PDF can still match its hash.
"""

from datetime import datetime

from django.db import transaction

from disputes.models import DocumentKind, IssuedDocument

from .models import EnforcementCase, Hearing, Recovery

# The documents arbitration/services.py issues (the mediation agreement is rendered on demand, not issued here).
ARBITRATION_DOCUMENT_KINDS = (
    DocumentKind.ARBITRATION_MEDIATION,
    DocumentKind.REVIEW_REFUSAL,
    DocumentKind.JUDICIAL_RULING,
    DocumentKind.JUDICIAL_REFUSAL,
    DocumentKind.ARBITRATION_ACCEPTANCE,
    DocumentKind.ARBITRATION_NON_ACCEPTANCE,
    DocumentKind.ARBITRATION_AWARD,
)


def _delete_document_files(documents: list[IssuedDocument]) -> int:
    storage = IssuedDocument._meta.get_field("file").storage
    names = {document.file.name for document in documents if document.file}
    for name in names:
        # After commit: a rolled-back anonymisation must not have lost the files.
        transaction.on_commit(lambda name=name: storage.delete(name))
    return len(names)


def arbitration_anonymise(*, case_id: int, at: datetime) -> None:
    """Anonymise arbitration's rows of one case (see the module docstring). Runs in the caller's transaction
    (``case_anonymise``): all-or-nothing with the case, files deleted only after commit; a second run changes
    nothing."""
    Hearing.objects.filter(case_id=case_id).update(notes="")
    EnforcementCase.objects.filter(case_id=case_id).update(lawyer_name="")
    Recovery.objects.filter(enforcement__case_id=case_id).update(note="")
    documents = IssuedDocument.objects.filter(case_id=case_id, kind__in=ARBITRATION_DOCUMENT_KINDS)
    _delete_document_files(list(documents.exclude(file="")))
    documents.update(file="")
