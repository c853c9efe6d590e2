"""Framework, indicator, task and ledger endpoints: scoped, thin over the services."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from wenming.api.serializers import read_columns
from wenming.framework import selectors, services
from wenming.framework.filters import (
    FrameworkFilterSet,
    IndicatorFilterSet,
    LedgerEntryFilterSet,
)
from wenming.framework.models import EvidenceFile, Framework, Indicator, Submission
from wenming.framework.serializers import (
    FrameworkSerializer,
    IndicatorSerializer,
    LedgerEntryDetailSerializer,
    LedgerEntrySerializer,
    ReviewSerializer,
    SubmissionSerializer,
    SubmitSerializer,
)
from wenming.regions.models import Unit

# What a list row shows and nothing more: related rows only for their codes, no timestamps
# (each column would be read, and parsed, for every row).
INDICATOR_LIST_COLUMNS = read_columns(IndicatorSerializer, reads={"responsible_unit_codes": []})
ENTRY_LIST_COLUMNS = read_columns(
    LedgerEntrySerializer, reads={"is_overdue": ["deadline", "status"]}
)


class FrameworkViewSet(viewsets.ReadOnlyModelViewSet):
    """Framework versions of the caller's city."""

    serializer_class = FrameworkSerializer
    filterset_class = FrameworkFilterSet

    def get_queryset(self):
        return Framework.objects.restrict(self.request.user)


class IndicatorViewSet(viewsets.ReadOnlyModelViewSet):
    """Indicator tree nodes; filter by framework and level."""

    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilterSet

    def get_queryset(self):
        # Parents and units are shown by their codes: their wide columns stay unread.
        return (
            Indicator.objects.restrict(self.request.user)
            .select_related("parent", "lead_unit")
            .only(*INDICATOR_LIST_COLUMNS)
            .prefetch_related(
                Prefetch("responsible_units", queryset=Unit.objects.only("id", "code"))
            )
            .order_by("framework", "position")
        )


class LedgerEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """Ledger entries in scope: a unit sees its own, an office its region's."""

    filterset_class = LedgerEntryFilterSet
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_queryset(self):
        # Newest deadline first, as on the task list; `sort=` reorders.
        queryset = selectors.entries_for(self.request.user).order_by("-deadline", "-id")
        if self.action == "list":
            queryset = queryset.only(*ENTRY_LIST_COLUMNS)
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                Prefetch(
                    "submissions",
                    queryset=Submission.objects.select_related(
                        "submitted_by", "reviewed_by"
                    ).prefetch_related(
                        Prefetch("files", queryset=EvidenceFile.objects.order_by("id"))
                    ),
                ),
                "events__actor",
            )
        return queryset

    def get_serializer_class(self):
        return LedgerEntryDetailSerializer if self.action == "retrieve" else LedgerEntrySerializer

    @extend_schema(request=None, responses=LedgerEntrySerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """The unit confirms receipt (交办确认)."""
        entry = services.acknowledge(request.user, self.get_object())
        return Response(LedgerEntrySerializer(entry).data)

    @extend_schema(request=SubmitSerializer, responses={201: SubmissionSerializer})
    @action(detail=True, methods=["post"])
    def submissions(self, request, pk=None):
        """A new version of evidence: multipart `files`, `note`, `links`.

        `kept_files` lists the ids of the latest version's files the new one keeps (the
        same stored files, not copies); without it every one of them is kept.
        """
        entry = self.get_object()
        # The serializer reads a form (repeated `files` and `links`) and JSON alike.
        data = SubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        submission = services.submit_evidence(request.user, entry, **data.validated_data)
        return Response(SubmissionSerializer(submission).data, status=status.HTTP_201_CREATED)


class SubmissionViewSet(viewsets.GenericViewSet):
    """Reviewing a submission: pass, return (with a reason) or fail."""

    serializer_class = SubmissionSerializer

    def get_queryset(self):
        return Submission.objects.filter(
            entry__in=selectors.entries_for(self.request.user).values("pk")
        )

    @extend_schema(request=ReviewSerializer, responses=SubmissionSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """The office's verdict on the latest submission."""
        data = ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        submission = services.review(request.user, self.get_object(), **data.validated_data)
        return Response(SubmissionSerializer(submission).data)
