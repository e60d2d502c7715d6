"""The agreement's part of a handoff packet (referrals.handoffs): what a commission or court receiving the case
needs of the mediation — the agreement, its signatures, schedule and the payments made, with the proofs' hashes."""

from .selectors import agreement_current


def _money(value) -> str | None:
    return None if value is None else str(value)


def _moment(value) -> str | None:
    return value.isoformat() if value else None


def agreement_packet_section(*, case) -> tuple[str, dict] | None:
    """``("agreement", {...})`` for the case's current agreement, or None when it has none."""
    agreement = agreement_current(case=case)
    if agreement is None:
        return None
    return (
        "agreement",
        {
            "number": agreement.number,
            "status": agreement.status,
            "employer_name": agreement.employer_name,
            "employer_contact": {
                "name": agreement.employer_contact_name,
                "phone": agreement.employer_contact_phone or "",
            },
            "total": _money(agreement.total),
            "payment_method": agreement.payment_method,
            "payment_only": agreement.payment_only,
            "other_terms": agreement.other_terms,
            "worker_signed_at": _moment(agreement.worker_signed_at),
            "employer_signed_at": _moment(agreement.employer_signed_at),
            "employer_signatory": agreement.employer_signatory,
            "effective_at": _moment(agreement.effective_at),
            "items": [
                {"category": i.category, "description": i.description, "amount": _money(i.amount)}
                for i in agreement.items.all()
            ],
            "instalments": [
                {
                    "sequence": i.sequence,
                    "due_on": i.due_on.isoformat(),
                    "amount": _money(i.amount),
                    "paid_amount": _money(i.paid_amount),
                    "status": i.status,
                    "paid_on": i.paid_on.isoformat() if i.paid_on else None,
                }
                for i in agreement.instalments.all()
            ],
            "payments": [
                {
                    "paid_on": p.paid_on.isoformat(),
                    "amount": _money(p.amount),
                    "method": p.method,
                    "proof_sha256": p.proof_sha256,
                }
                for p in agreement.payments.order_by("paid_on", "id")
            ],
        },
    )
