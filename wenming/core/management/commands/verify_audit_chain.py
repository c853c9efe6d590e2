"""manage.py verify_audit_chain: check the audit chain and its newest checkpoint."""

from django.core.management.base import BaseCommand, CommandError

from wenming.core import audit_anchor

# Each reason in both languages: operators read this in a terminal or a cron mail.
REASONS = {
    "hash": "内容与哈希不符; its content does not match its hash",
    "previous_hash": "未接续上一条记录; it does not link to the entry before it",
}


class Command(BaseCommand):
    help = (
        "Verify the audit log's hash chain against the newest checkpoint, name the first "
        "broken entry or the truncation, and append a new checkpoint when all holds."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reanchor",
            action="store_true",
            help="After a restore you accept: record it in the log and checkpoint the chain anew.",
        )

    def handle(self, *args, **options):
        report, checkpoint = audit_anchor.verify()
        if options["reanchor"] and report.reason in ("truncated", "rewritten", "checkpoint_forged"):
            checkpoint = audit_anchor.reanchor()
            self.stdout.write(
                self.style.WARNING(
                    f"已重新锚定审计链，共 {checkpoint.count} 条记录。"
                    f"Audit chain anchored again: {checkpoint.count} entries."
                )
            )
            return
        if report.reason in REASONS:
            entry = report.broken_entry_id
            raise CommandError(
                f"审计链在第 {entry} 条记录处断开 / audit chain broken at entry {entry}: "
                f"{REASONS[report.reason]}."
            )
        if report.reason == "truncated":
            raise CommandError(
                f"审计链被截断：检查点记录的第 {report.broken_entry_id} 条及之前的记录已缺失 / "
                f"audit chain truncated: entries up to checkpointed entry "
                f"{report.broken_entry_id} are missing (now {report.checked} entries)."
            )
        if report.reason == "rewritten":
            raise CommandError(
                f"审计链被改写：第 {report.broken_entry_id} 条记录与检查点不符 / "
                f"audit chain rewritten: entry {report.broken_entry_id} no longer matches "
                f"its checkpoint."
            )
        if report.reason == "checkpoint_forged":
            raise CommandError(
                "最新检查点的签名不符 / the newest audit checkpoint is forged or damaged."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"审计链完整，共 {report.checked} 条记录。"
                f"Audit chain intact: {report.checked} entries."
            )
        )
        if checkpoint is None and audit_anchor.anchor_path() is None:
            self.stdout.write(
                "未配置检查点文件 / no checkpoint file configured (AUDIT_ANCHOR_PATH)."
            )
        elif checkpoint is not None:
            self.stdout.write(f"检查点已写入 / checkpoint written to {audit_anchor.anchor_path()}.")
