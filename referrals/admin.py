"""The referrals admin: handoffs, and notifications (我的通知, the outbox, the case's delivery log, rules and
templates). Each lives in its own module; importing them here registers them."""

# Handoffs, deliveries and their dead letters, agency endpoints; then 我的通知, the outbox and its dead letters,
# the case page's delivery log, the rules and the templates; legal aid, re-employment, counselling and check-in
# answers (admin_aftercare, which extends the handoff inbox).
from . import admin_aftercare, admin_handoffs, admin_notifications  # noqa: F401
