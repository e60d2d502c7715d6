"""Re-encrypt every encrypted column under the first key of FIELD_ENCRYPTION_KEYS (disputes.pii).

Rotation: put the new key first in FIELD_ENCRYPTION_KEYS, keep the old ones after it, deploy, run this command
(idempotent, resumable), then remove the old keys. PII_HASH_KEY does not rotate here: the PIN hashes depend on it
and cannot be recomputed without the PINs (docs/security.md).
"""

from django.core.management.base import BaseCommand, CommandError

from disputes.pii import InvalidToken, encrypted_columns, reencrypt_column


class Command(BaseCommand):
    help = "用 FIELD_ENCRYPTION_KEYS 的第一个密钥重新加密所有加密字段（可重复执行）。"

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=1000, help="每批处理的行数")

    def handle(self, *args, batch=1000, **options):
        total_read = total_rewritten = 0
        for model, field in encrypted_columns():
            label = f"{model._meta.label}.{field.name}"
            try:
                read, rewritten = reencrypt_column(model, field, batch=batch)
            except InvalidToken as exc:
                raise CommandError(
                    f"{label}: a value no configured key can decrypt; put the old key back in "
                    "FIELD_ENCRYPTION_KEYS and run again"
                ) from exc
            total_read += read
            total_rewritten += rewritten
            self.stdout.write(f"{label}: rows={read} re-encrypted={rewritten}")
        self.stdout.write(self.style.SUCCESS(f"done: rows={total_read} re-encrypted={total_rewritten}"))
