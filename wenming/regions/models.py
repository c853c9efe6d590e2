"""The region tree (city → district → street → community → grid), units and memberships."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from wenming.core.fields import PathField
from wenming.core.models import TimeStampedModel
from wenming.core.permissions import RestrictedQuerySet, ScopedModel
from wenming.regions.roles import Role

PATH_SEPARATOR = "/"
code_validator = RegexValidator(r"^[0-9]{6,20}$", _("A code is 6 to 20 digits."))
unit_code_validator = RegexValidator(
    r"^[0-9A-Za-z\-]{2,32}$", _("A unit code is 2 to 32 letters, digits or hyphens.")
)


class TreeQuerySet(RestrictedQuerySet):
    """Reads over a materialised-path tree."""

    def subtree(self, node, *, include_self=True):
        """The node and everything beneath it, in one indexed prefix query."""
        qs = self.filter(path__within=node.path)
        return qs if include_self else qs.exclude(pk=node.pk)


class TreeNode(ScopedModel):
    """A node of a tree kept as a materialised path of codes: '/440300000000/440303000000/'.

    A subtree is one indexed `path__within` lookup (a range on SQLite, a pattern-ops LIKE
    on PostgreSQL); services keep `path` and `depth` in step with `parent`.
    """

    path = PathField(_("path"), max_length=400, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), editable=False, default=1)

    objects = TreeQuerySet.as_manager()

    class Meta:
        abstract = True

    @staticmethod
    def build_path(parent_path: str | None, code: str) -> str:
        """The path of a node with `code` under a parent with `parent_path`."""
        return f"{parent_path or PATH_SEPARATOR}{code}{PATH_SEPARATOR}"

    def place_under(self, parent: "TreeNode | None") -> None:
        """Set `parent`, and `path` and `depth` from it and the node's code (not saved).

        The one place a node's position is computed; services also move its descendants.
        """
        self.parent = parent
        self.path = self.build_path(parent.path if parent else None, self.code)
        self.depth = parent.depth + 1 if parent else 1

    def is_within(self, other: "TreeNode") -> bool:
        """Whether this node is `other` or lies beneath it."""
        return self.path.startswith(other.path)

    def ancestor_codes(self) -> list[str]:
        """Codes from the root down to and including this node."""
        return [code for code in self.path.split(PATH_SEPARATOR) if code]


class Region(TreeNode, TimeStampedModel):
    """A place in the city's administrative tree, down to the grid a worker patrols."""

    class Level(models.IntegerChoices):
        CITY = 1, _("City")
        DISTRICT = 2, _("District")
        STREET = 3, _("Street")
        COMMUNITY = 4, _("Community")
        GRID = 5, _("Grid")

    code = models.CharField(
        _("code"),
        max_length=20,
        unique=True,
        validators=[code_validator],
        help_text=_("12-digit statistical division code; grids append 3 digits."),
    )
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)
    center_longitude = models.DecimalField(
        _("centre longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    center_latitude = models.DecimalField(
        _("centre latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    scope_region_lookup = "path"
    scope_unit_region_lookup = "path"

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["path"]
        indexes = [models.Index(fields=["parent", "name"], name="region_parent_name_idx")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("regions:region_detail", args=[self.pk])


class Unit(TreeNode, TimeStampedModel):
    """A department or organisation that is given work: 城管局, a street office, a school."""

    class Type(models.TextChoices):
        OFFICE = "office", _("Civilization office")
        GOVERNMENT = "government", _("Government department")
        STREET_OFFICE = "street_office", _("Street office")
        COMMUNITY = "community", _("Community committee")
        PUBLIC_INSTITUTION = "public_institution", _("Public institution")
        SCHOOL = "school", _("School")
        HOSPITAL = "hospital", _("Hospital")
        ENTERPRISE = "enterprise", _("Enterprise")
        SOCIAL_ORGANIZATION = "social_organization", _("Social organization")
        OTHER = "other", _("Other")

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[unit_code_validator])
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    type = models.CharField(_("type"), max_length=30, choices=Type.choices, db_index=True)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="units"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_mobile = models.CharField(_("contact mobile"), max_length=20, blank=True)
    contact_phone = models.CharField(_("office phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    scope_region_lookup = "region__path"
    scope_unit_lookup = "path"

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        indexes = [models.Index(fields=["region", "type"], name="unit_region_type_idx")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("regions:unit_detail", args=[self.pk])


class Membership(ScopedModel, TimeStampedModel):
    """A person's role within a region (and its subtree) or within a unit."""

    Role = Role

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, db_index=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    title = models.CharField(_("title"), max_length=50, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    scope_region_lookup = "region__path"
    scope_unit_lookup = "unit__path"

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "region", "unit"], name="membership_unique_role_place"
            ),
            models.CheckConstraint(
                condition=models.Q(region__isnull=False) | models.Q(unit__isnull=False),
                name="membership_has_region_or_unit",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.unit or self.region}"

    def get_absolute_url(self):
        # Roles have no page of their own; they are listed on the People page.
        return reverse("regions:people_list")

    @property
    def place(self):
        """The unit or region the role is held in."""
        return self.unit or self.region
