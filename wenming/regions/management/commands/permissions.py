"""Print the permission table: every declared action × every role, as Markdown."""

from django.core.management.base import BaseCommand
from django.utils import translation

from wenming.core.permissions import TABLE
from wenming.regions.roles import Role


def table_rows(language: str = "en") -> list[list[str]]:
    """The table as rows of text: a header, then one row per action."""
    with translation.override(language):
        header = ["action", str(translation.gettext("Description"))]
        header += [str(label) for _value, label in Role.choices]
        rows = [header]
        for action in TABLE:
            cells = [action.name, str(action.label)]
            for role in Role.values:
                grants = action.grants.get(role, ())
                cells.append(
                    ", ".join(
                        grant.reach.value + (" (top)" if grant.at_top else "") for grant in grants
                    )
                )
            rows.append(cells)
    return rows


class Command(BaseCommand):
    help = "Print who may do what: the permission table as a Markdown matrix."

    def add_arguments(self, parser):
        parser.add_argument("--language", default="en", help="en or zh-hans")

    def handle(self, *args, language, **options):
        rows = table_rows(language)
        self.stdout.write("| " + " | ".join(rows[0]) + " |")
        self.stdout.write("|" + "---|" * len(rows[0]))
        for row in rows[1:]:
            self.stdout.write("| " + " | ".join(row) + " |")
