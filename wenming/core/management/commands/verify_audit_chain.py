"""manage.py verify_audit_chain: check every audit entry's hash and link."""

from django.core.management.base import BaseCommand, CommandError

from wenming.core import audit


class Command(BaseCommand):
    help = "Verify the audit log's hash chain and name the first broken entry."

    def handle(self, *args, **options):
        report = audit.verify_chain()
        if not report.is_intact:
            entry = report.broken_entry_id
            if report.reason == "hash":
                why = "内容与哈希不符; its content does not match its hash"
            else:
                why = "未接续上一条记录; it does not link to the entry before it"
            raise CommandError(
                f"审计链在第 {entry} 条记录处断开 / audit chain broken at entry {entry}: {why}."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"审计链完整，共 {report.checked} 条记录。"
                f"Audit chain intact: {report.checked} entries."
            )
        )
