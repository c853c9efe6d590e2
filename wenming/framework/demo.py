"""The demo city's sample framework, its tasks and a few ledger steps, for trying it out."""

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from wenming.core.context import acting_as
from wenming.framework import services
from wenming.framework.importers import FrameworkImporter
from wenming.framework.models import Framework, Task
from wenming.framework.sample import SAMPLE_EDITION_YEAR, SAMPLE_FILE_PATH, SAMPLE_FRAMEWORK_NAME
from wenming.regions.demo import DEMO_CITY_CODE
from wenming.regions.models import Region

# A one-page PDF, so the demo's ledger has a real file to open.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def demo_framework() -> Framework | None:
    return Framework.objects.filter(region__code=DEMO_CITY_CODE, is_sample=True).first()


@transaction.atomic
def build_demo_framework(today: date | None = None) -> Framework | None:
    """Import the sample framework for the demo city, activate it and hand out its tasks."""
    city = Region.objects.filter(code=DEMO_CITY_CODE).first()
    if city is None or demo_framework() is not None:
        return demo_framework()
    user_model = get_user_model()
    admin = user_model.objects.get(username="admin")
    unit_user = user_model.objects.get(username="unit_cgj")
    office = user_model.objects.get(username="city_staff")
    today = today or timezone.localdate()
    with acting_as(admin, origin="demo"):
        framework = services.create_framework(
            admin,
            region=city,
            name=SAMPLE_FRAMEWORK_NAME,
            edition_year=SAMPLE_EDITION_YEAR,
            is_sample=True,
        )
        plan = FrameworkImporter(admin, framework).apply(
            SAMPLE_FILE_PATH.read_bytes(), filename=SAMPLE_FILE_PATH.name
        )
        if plan.errors:
            raise ValueError(f"the sample framework does not import: {plan.errors[:3]}")
        framework = services.activate_framework(admin, framework)
        indicators = framework.indicators.filter(level=3).order_by("position")
        services.assign_indicators(
            admin,
            framework=framework,
            indicators=indicators,
            frequency="monthly",
            first_period_start=today.replace(day=1) - timedelta(days=1),
            due_days=10,
            today=today,
        )
    # A few steps of the ledger workflow, so the pages show history.
    tasks = list(Task.objects.filter(framework=framework, unit__code="SF-CGJ").order_by("id"))
    for number, task in enumerate(tasks[:3]):
        entry = task.entries.order_by("period_start").first()
        services.acknowledge(unit_user, entry)
        submission = services.submit_evidence(
            unit_user,
            entry,
            note="已按要求整理台账。",
            files=[SimpleUploadedFile(f"台账材料{number + 1}.pdf", DEMO_PDF)],
        )
        if number == 0:
            services.review(office, submission, "passed")
        elif number == 1:
            services.review(office, submission, "returned", "缺少现场照片，请补充。")
    return framework


@transaction.atomic
def remove_demo_frameworks() -> int:
    """Delete the demo city's frameworks with their tasks and ledgers (for --force)."""
    frameworks = Framework.objects.filter(region__code=DEMO_CITY_CODE)
    Task.objects.filter(framework__in=frameworks).delete()
    count = frameworks.count()
    for framework in frameworks:
        framework.indicators.all().delete()
    frameworks.delete()
    return count
