"""Excel import and export of regions and units, through the same services as the pages."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import F
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wenming.accounts.models import mobile_validator
from wenming.core.excel import build_workbook
from wenming.core.imports import (
    ImportPlan,
    KeyedChoiceField,
    PlannedChange,
    RowForm,
    SheetDecimalField,
    TabularImporter,
    choice_value,
    choice_words,
    register_importer,
)
from wenming.core.masking import can_see_personal_data, mask_mobile
from wenming.core.permissions import ADD, CHANGE, VIEW, require
from wenming.regions import services
from wenming.regions.models import Region, TreeNode, Unit

REGION_COLUMNS = [
    ("区划代码", "code"),
    ("名称", "name"),
    ("层级", "level"),
    ("上级代码", "parent_code"),
    ("中心经度", "center_longitude"),
    ("中心纬度", "center_latitude"),
]
UNIT_COLUMNS = [
    ("单位编码", "code"),
    ("单位名称", "name"),
    ("简称", "short_name"),
    ("单位类型", "type"),
    ("所属区划代码", "region_code"),
    ("上级单位编码", "parent_code"),
    ("联系人", "contact_name"),
    ("联系手机", "contact_mobile"),
    ("办公电话", "contact_phone"),
    ("电子邮箱", "contact_email"),
    ("地址", "address"),
]
# Words the workbook accepts for a level beyond the model's own labels (市, 区县, 街道 …).
LEVEL_WORDS = {
    "地级市": 1,
    "区": 2,
    "县": 2,
    "区(县)": 2,
    "县级市": 2,
    "乡镇": 3,
    "镇": 3,
    "乡": 3,
    "村": 4,
    "社区(村)": 4,
    "网格": 5,
}
COORDINATE_LIMITS = {"center_longitude": 180, "center_latitude": 90}
MAX_WALK = 64


def level_names() -> dict[int, str]:
    """The levels as the workbook writes them: the model's labels in Chinese."""
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in Region.Level.choices}


COORDINATE_MESSAGE = gettext_lazy("“%(value)s” is not a coordinate between %(low)d and %(high)d.")
LEVEL_MESSAGE = gettext_lazy("Unknown level “%(value)s”: use 市, 区县, 街道, 社区 or 网格.")
DECIMAL_ERRORS = ("invalid", "min_value", "max_value", "max_digits", "max_whole_digits")


class RegionRowForm(RowForm):
    """One row of the region sheet, checked by the Region model's fields."""

    class Meta:
        model = Region
        fields = ("code", "name", "level", "center_longitude", "center_latitude")
        field_classes = {
            "center_longitude": SheetDecimalField,
            "center_latitude": SheetDecimalField,
        }
        error_messages = {
            "level": {"required": LEVEL_MESSAGE, "invalid_choice": LEVEL_MESSAGE},
            "center_longitude": dict.fromkeys(DECIMAL_ERRORS, COORDINATE_MESSAGE),
            "center_latitude": dict.fromkeys(DECIMAL_ERRORS, COORDINATE_MESSAGE),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The model keeps any number; a coordinate on the map lies within these.
        for name, limit in COORDINATE_LIMITS.items():
            self.fields[name].validators += [MinValueValidator(-limit), MaxValueValidator(limit)]


class UnitRowForm(RowForm):
    """One row of the unit sheet, checked by the Unit model's fields."""

    class Meta:
        model = Unit
        fields = (
            "code",
            "name",
            "short_name",
            "type",
            "region",
            "contact_name",
            "contact_mobile",
            "contact_phone",
            "contact_email",
            "address",
        )
        field_classes = {"region": KeyedChoiceField}
        error_messages = {
            "type": {
                "required": gettext_lazy("Unknown unit type “%(value)s”."),
                "invalid_choice": gettext_lazy("Unknown unit type “%(value)s”."),
            },
            "region": {
                "required": gettext_lazy("Region code %(value)s is not a known region."),
                "invalid_choice": gettext_lazy("Region code %(value)s is not a known region."),
            },
            "contact_mobile": {
                "invalid": gettext_lazy("“%(value)s” is not an 11-digit mobile number.")
            },
            "contact_email": {"invalid": gettext_lazy("“%(value)s” is not an e-mail address.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A contact mobile follows the one rule for mobile numbers, the account model's.
        self.fields["contact_mobile"].validators.append(mobile_validator)


class _TreeImporter(TabularImporter):
    """A tree by code (regions or units): new codes are created, known codes updated,
    nothing deleted; unique codes, known parents and no cycles are checked for the whole
    file, and a row needs permission only for what it changes."""

    model: type[TreeNode]
    form_class: type[RowForm]
    create = update = None  # the service functions, set by each subclass
    form_columns: dict[str, str] = {}  # form field → sheet key, where they differ
    keep_when_blank: tuple[str, ...] = ()  # fields an empty cell leaves as they are
    related: tuple[str, ...] = ("parent",)
    list_url = ""

    # The page.
    @classmethod
    def for_request(cls, request, **url_kwargs):
        # The same test as the lists' import button: someone who may add regions somewhere.
        require(request.user, "regions.add_region", message=_("Your role may not import."))
        return cls(request.user)

    def page_url(self) -> str:
        return reverse("regions:import", args=[self.kind])

    def done_url(self) -> str:
        return reverse(self.list_url)

    # Hooks.
    def prepare(self, rows, stored: dict) -> dict[str, dict]:
        """Lookups of other objects for the row form, loaded once for the whole file."""
        return {}

    def row_data(self, plan, row, stored: dict) -> dict:
        """The form's data from a row's cells."""
        return {
            name: row.values.get(self.form_columns.get(name, name), "")
            for name in self.form_class._meta.fields
        }

    def refuse_code(self, plan, row, code: str, stored: dict) -> bool:
        return False

    def parent_is_known(self, parent_code: str, stored: dict) -> bool:
        return parent_code in stored

    def check_structure(self, plan, row, record, parsed: dict, stored: dict) -> bool:
        return True

    def check_scope(self, plan, row, record, node, changed) -> bool:
        raise NotImplementedError

    # The plan.
    def plan_rows(self, rows, plan: ImportPlan) -> None:
        codes = {row.values["code"] for row in rows} | {
            row.values.get("parent_code", "") for row in rows
        }
        codes.discard("")
        self.stored = stored = {
            node.code: node
            for node in self.model.objects.filter(code__in=codes).select_related(*self.related)
        }
        self.visible = set(
            self.model.objects.restrict(self.user, VIEW)
            .filter(code__in=codes)
            .values_list("code", flat=True)
        )
        self.addable, self.changeable = (
            set(
                self.model.objects.restrict(self.user, action)
                .filter(code__in=codes)
                .values_list("code", flat=True)
            )
            for action in (ADD, CHANGE)
        )
        lookups = self.prepare(rows, stored)
        seen: dict[str, int] = {}
        parsed = {}
        for row in rows:
            form = self.form_class(
                self.row_data(plan, row, stored), instance=self.model(), lookups=lookups
            )
            if not form.is_valid():
                self.form_errors(plan, row, form, self.form_columns)
            if "code" in form.errors:
                continue
            code = form.cleaned_data["code"]
            if self.repeated(plan, row, "code", code, seen) or self.refuse_code(
                plan, row, code, stored
            ):
                continue
            record = dict(form.cleaned_data)
            record["parent_code"] = row.values.get("parent_code", "")
            parsed[code] = (row, record)

        file_parents = {code: record["parent_code"] for code, (_row, record) in parsed.items()}
        known_paths = {code: node.path for code, node in stored.items()}
        for code, (row, record) in parsed.items():
            if plan.has_errors_in(row.number):
                continue
            parent_code = record["parent_code"]
            if parent_code == code:
                self.error(plan, row, "parent_code", self.own_parent_message)
                continue
            if (
                parent_code
                and parent_code not in parsed
                and not self.parent_is_known(parent_code, stored)
            ):
                self.error(
                    plan, row, "parent_code", self.unknown_parent_message % {"code": parent_code}
                )
                continue
            depth = self.walk_depth(code, file_parents, known_paths)
            if depth is None:
                self.error(plan, row, "parent_code", _("The parents form a cycle."))
                continue
            if not self.check_structure(plan, row, record, parsed, stored):
                continue
            node = stored.get(code)
            label = f"{code} {record['name']}"
            changed = None if node is None else self.changes(record, node)
            if node is not None and not changed:
                plan.keep(label)
                continue
            if not self.check_scope(plan, row, record, node, changed):
                continue
            values = {key: value for key, value in record.items() if key != "code"}
            change = PlannedChange(row.number, code, label, node, values, changed or [], depth)
            (plan.creates if node is None else plan.updates).append(change)

    def changes(self, record: dict, node) -> list[str]:
        """The fields a row changes on a stored node, in the sheet's order."""
        changed = [
            name
            for name, value in record.items()
            if name not in ("code", "parent_code")
            and not (value is None and name in self.keep_when_blank)
            and getattr(node, name) != value
        ]
        if (node.parent.code if node.parent_id else "") != record["parent_code"]:
            changed.append("parent_code")
        return changed

    def walk_depth(self, code, file_parents: dict, known_paths: dict) -> int | None:
        """Depth of `code` after the import, or None if its parents form a cycle."""
        seen = set()
        depth = 0
        current = code
        while current:
            if current in seen or depth > MAX_WALK:
                return None
            seen.add(current)
            depth += 1
            if current in file_parents:
                current = file_parents[current]
            else:
                path = known_paths.get(current)
                if path is None:
                    return depth
                ancestors = [c for c in path.split("/") if c][:-1]
                # A database ancestor that the file moves is followed through the file.
                for ancestor in reversed(ancestors):
                    if ancestor in seen:
                        return None
                    if ancestor in file_parents:
                        current = ancestor
                        break
                    depth += 1
                else:
                    return depth
        return depth

    def apply_change(self, change: PlannedChange, created: dict) -> None:
        values = dict(change.values)
        parent_code = values.pop("parent_code")
        parent = self.model.objects.get(code=parent_code) if parent_code else None
        if change.instance is None:
            values = {
                key: value
                for key, value in values.items()
                if not (value is None and key in self.keep_when_blank)
            }
            type(self).create(self.user, code=change.key, parent=parent, **values)
        else:
            updates = {key: values[key] for key in change.changed if key != "parent_code"}
            if "parent_code" in change.changed:
                updates["parent"] = parent
            type(self).update(self.user, change.instance, **updates)


@register_importer
class RegionImporter(_TreeImporter):
    """Regions by code."""

    kind = "regions"
    title = gettext_lazy("Import regions")
    model = Region
    form_class = RegionRowForm
    create = staticmethod(services.create_region)
    update = staticmethod(services.update_region)
    keep_when_blank = ("center_longitude", "center_latitude")
    list_url = "regions:region_list"
    headers = dict(REGION_COLUMNS) | {
        "Code": "code",
        "Name": "name",
        "Level": "level",
        "Parent code": "parent_code",
        "Longitude": "center_longitude",
        "Latitude": "center_latitude",
    }
    required = {"code", "name", "level"}
    object_type = "regions.region"
    own_parent_message = gettext_lazy("A region cannot be its own parent.")
    unknown_parent_message = gettext_lazy("Parent code %(code)s is not a known region.")

    def __init__(self, user):
        super().__init__(user)
        self.message_params = {
            name: {"low": -limit, "high": limit} for name, limit in COORDINATE_LIMITS.items()
        }
        self.level_words = choice_words(Region._meta.get_field("level"), LEVEL_WORDS)

    def row_data(self, plan, row, stored):
        data = super().row_data(plan, row, stored)
        level = data["level"].replace("（", "(").replace("）", ")")
        data["level"] = choice_value(self.level_words, level)
        return data

    def check_structure(self, plan, row, record, parsed, stored) -> bool:
        parent_code = record["parent_code"]
        parent_level = None
        if parent_code in parsed:
            parent_level = parsed[parent_code][1]["level"]
        elif parent_code in stored:
            parent_level = stored[parent_code].level
        if parent_level and record["level"] <= parent_level:
            self.error(
                plan,
                row,
                "level",
                _("A %(child)s cannot sit beneath a %(parent)s.")
                % {
                    "child": Region.Level(record["level"]).label,
                    "parent": Region.Level(parent_level).label,
                },
            )
            return False
        return True

    def check_scope(self, plan, row, record, node, changed) -> bool:
        # A row that changes a region needs `add` beneath its parent as well as `change`
        # on the region, so a district's office edits only inside its district.
        code, parent_code = record["code"], record["parent_code"]
        if not parent_code:
            becomes_root = node is None or "parent_code" in changed
            if becomes_root and not self.user.is_superuser:
                self.error(
                    plan, row, "parent_code", _("Only a superuser may create a top-level region.")
                )
                return False
        elif parent_code in self.stored and parent_code not in self.addable:
            self.error(
                plan,
                row,
                "parent_code",
                _("You may not add regions beneath %(code)s.") % {"code": parent_code},
            )
            return False
        if node is not None and code not in self.changeable:
            self.error(plan, row, "code", _("You may not change region %(code)s.") % {"code": code})
            return False
        return True


@register_importer
class UnitImporter(_TreeImporter):
    """Units by code."""

    kind = "units"
    title = gettext_lazy("Import units")
    model = Unit
    form_class = UnitRowForm
    create = staticmethod(services.create_unit)
    update = staticmethod(services.update_unit)
    form_columns = {"region": "region_code"}
    related = ("parent", "region")
    list_url = "regions:unit_list"
    headers = dict(UNIT_COLUMNS)
    required = {"code", "name", "type", "region_code"}
    object_type = "regions.unit"
    own_parent_message = gettext_lazy("A unit cannot be its own parent.")
    unknown_parent_message = gettext_lazy("Parent unit %(code)s is not a known unit.")

    def __init__(self, user):
        super().__init__(user)
        self.type_words = choice_words(Unit._meta.get_field("type"))

    def prepare(self, rows, stored):
        region_codes = {row.values["region_code"] for row in rows}
        # Every region is named, so a region outside the scope is refused as such, not as
        # unknown (region codes are public statistical codes).
        regions = Region.objects.filter(code__in=region_codes)
        self.addable_regions = set(
            Region.objects.restrict(self.user, ADD)
            .filter(code__in=region_codes)
            .values_list("code", flat=True)
        )
        return {"region": {region.code: region for region in regions}}

    def row_data(self, plan, row, stored):
        data = super().row_data(plan, row, stored)
        data["type"] = choice_value(self.type_words, data["type"])
        code, mobile = data["code"], data["contact_mobile"]
        if "*" in mobile:
            if code in stored and code in self.visible:
                # A masked number read back from an export: keep the stored one.
                data["contact_mobile"] = stored[code].contact_mobile
            else:
                self.error(
                    plan,
                    row,
                    "contact_mobile",
                    _("A masked mobile number can only be kept, not created."),
                )
                data["contact_mobile"] = ""
        return data

    def refuse_code(self, plan, row, code, stored) -> bool:
        # A code used by a unit outside the scope: taken, and named no further.
        if code in stored and code not in self.visible:
            self.error(
                plan, row, "code", _("Unit code %(code)s is already in use.") % {"code": code}
            )
            return True
        return False

    def parent_is_known(self, parent_code, stored) -> bool:
        return parent_code in self.visible

    def check_scope(self, plan, row, record, node, changed) -> bool:
        # What the services check: `add` in the unit's region, `change` on a new parent
        # unit and on the unit itself.
        code, parent_code, region = record["code"], record["parent_code"], record["region"]
        if (node is None or "region" in changed) and region.code not in self.addable_regions:
            self.error(
                plan,
                row,
                "region_code",
                _("You may not add units in region %(code)s.") % {"code": region.code},
            )
            return False
        moves = node is None or "parent_code" in changed
        if moves and parent_code in self.stored and parent_code not in self.changeable:
            self.error(
                plan,
                row,
                "parent_code",
                _("You may not place units under %(name)s.") % {"name": parent_code},
            )
            return False
        if node is not None and code not in self.changeable:
            self.error(plan, row, "code", _("You may not change unit %(code)s.") % {"code": code})
            return False
        return True


def export_regions(queryset) -> bytes:
    """The regions as the import template: exporting then importing changes nothing."""
    levels = level_names()
    rows = (
        [
            region.code,
            region.name,
            levels[region.level],
            region.parent_code or "",
            region.center_longitude,
            region.center_latitude,
        ]
        for region in queryset.order_by("path")
        .annotate(parent_code=F("parent__code"))
        .iterator(2000)
    )
    return build_workbook(
        "行政区划", [title for title, _key in REGION_COLUMNS], rows, [16, 20, 8, 16, 12, 12]
    )


def export_units(queryset, user) -> bytes:
    """The units as the import template: exporting then importing changes nothing.

    Mobile numbers are masked for roles that may not see them; the importer keeps the
    stored number when it reads a masked one back.
    """
    show_mobile = can_see_personal_data(user)

    with translation.override("zh-hans"):
        type_labels = {value: str(label) for value, label in Unit.Type.choices}
    rows = (
        [
            unit.code,
            unit.name,
            unit.short_name,
            type_labels[unit.type],
            unit.region.code,
            unit.parent.code if unit.parent_id else "",
            unit.contact_name,
            unit.contact_mobile if show_mobile else mask_mobile(unit.contact_mobile),
            unit.contact_phone,
            unit.contact_email,
            unit.address,
        ]
        for unit in queryset.order_by("path").select_related("region", "parent").iterator(2000)
    )
    return build_workbook(
        "单位",
        [title for title, _key in UNIT_COLUMNS],
        rows,
        [14, 24, 12, 14, 16, 14, 10, 14, 14, 22, 30],
    )
