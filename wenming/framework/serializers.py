"""API representations of frameworks, indicators, ledger entries and submissions."""

from rest_framework import serializers

from wenming.api.serializers import FastRepresentation
from wenming.framework.models import (
    EvidenceFile,
    Framework,
    Indicator,
    LedgerEntry,
    Submission,
    TaskEvent,
)
from wenming.framework.services import REVIEW_TRANSITIONS


class FrameworkSerializer(FastRepresentation, serializers.ModelSerializer):
    class Meta:
        model = Framework
        fields = [
            "id",
            "name",
            "edition_year",
            "version",
            "status",
            "is_sample",
            "region",
            "points_document_review",
            "points_field_check",
            "points_survey",
            "cycle_weight_year1",
            "cycle_weight_year2",
            "cycle_weight_year3",
        ]
        read_only_fields = fields


class IndicatorSerializer(FastRepresentation, serializers.ModelSerializer):
    parent_code = serializers.CharField(
        source="parent.code", default=None, read_only=True, allow_null=True
    )
    lead_unit_code = serializers.CharField(
        source="lead_unit.code", default=None, read_only=True, allow_null=True
    )
    responsible_unit_codes = serializers.SerializerMethodField()

    class Meta:
        model = Indicator
        fields = [
            "id",
            "framework",
            "code",
            "local_code",
            "level",
            "parent",
            "parent_code",
            "name",
            "standard",
            "points",
            "methods",
            "scoring_rule",
            "rule_parameters",
            "site_type_names",
            "veto_effect",
            "veto_value",
            "lead_unit_code",
            "responsible_unit_codes",
            "position",
        ]
        read_only_fields = fields
        # Both are optional in the model; "" is one of the values a response may carry.
        extra_kwargs = {"scoring_rule": {"allow_blank": True}, "veto_effect": {"allow_blank": True}}

    def get_responsible_unit_codes(self, node) -> list[str]:
        return sorted(unit.code for unit in node.responsible_units.all())


class EvidenceFileSerializer(serializers.ModelSerializer):
    class Meta:
        model = EvidenceFile
        fields = ["id", "original_name", "kind", "size", "sha256"]
        read_only_fields = fields


class SubmissionSerializer(serializers.ModelSerializer):
    files = EvidenceFileSerializer(many=True, read_only=True)
    submitted_by = serializers.CharField(source="submitted_by.username", read_only=True)
    reviewed_by = serializers.CharField(
        source="reviewed_by.username", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = Submission
        fields = [
            "id",
            "entry",
            "version",
            "note",
            "links",
            "files",
            "submitted_by",
            "created_at",
            "outcome",
            "reviewed_by",
            "reviewed_at",
            "review_reason",
        ]
        read_only_fields = fields


class TaskEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(
        source="actor.username", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = TaskEvent
        fields = ["action", "actor", "time", "from_status", "to_status", "note", "submission"]
        read_only_fields = fields


class LedgerEntrySerializer(FastRepresentation, serializers.ModelSerializer):
    title = serializers.CharField(source="task.title", read_only=True)
    unit = serializers.IntegerField(source="task.unit_id", read_only=True)
    unit_code = serializers.CharField(source="task.unit.code", read_only=True)
    indicator_code = serializers.CharField(
        source="task.indicator.code", default=None, read_only=True, allow_null=True
    )
    is_lead = serializers.BooleanField(source="task.is_lead", read_only=True)
    frequency = serializers.CharField(source="task.frequency", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "title",
            "unit",
            "unit_code",
            "indicator_code",
            "is_lead",
            "frequency",
            "period_start",
            "period_end",
            "deadline",
            "status",
            "is_overdue",
            "acknowledged_at",
        ]
        read_only_fields = fields


class LedgerEntryDetailSerializer(LedgerEntrySerializer):
    submissions = SubmissionSerializer(many=True, read_only=True)
    events = TaskEventSerializer(many=True, read_only=True)

    class Meta(LedgerEntrySerializer.Meta):
        fields = [*LedgerEntrySerializer.Meta.fields, "submissions", "events"]
        read_only_fields = fields


class SubmitSerializer(serializers.Serializer):
    """Evidence sent by a client: files (multipart), a note, links."""

    files = serializers.ListField(child=serializers.FileField(), required=False, max_length=20)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    links = serializers.ListField(
        child=serializers.CharField(max_length=500), required=False, max_length=20
    )
    kept_files = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=20,
    )


class ReviewSerializer(serializers.Serializer):
    """The office's verdict: one of the outcomes the review transition table knows."""

    outcome = serializers.ChoiceField(choices=list(REVIEW_TRANSITIONS))
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
