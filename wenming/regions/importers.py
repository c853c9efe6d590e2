"""Excel import and export of regions and units, through the same services as the pages."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import F
from django.utils.translation import gettext as _

from wenming.core.excel import build_workbook
from wenming.core.imports import ImportPlan, PlannedChange, TabularImporter
from wenming.core.permissions import ADD, CHANGE
from wenming.regions import services
from wenming.regions.models import Region, Unit, code_validator, unit_code_validator

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
LEVEL_WORDS = {
    "市": 1,
    "地级市": 1,
    "city": 1,
    "1": 1,
    "区": 2,
    "县": 2,
    "区县": 2,
    "区(县)": 2,
    "县级市": 2,
    "district": 2,
    "2": 2,
    "街道": 3,
    "乡镇": 3,
    "镇": 3,
    "乡": 3,
    "street": 3,
    "3": 3,
    "社区": 4,
    "村": 4,
    "社区(村)": 4,
    "community": 4,
    "4": 4,
    "网格": 5,
    "grid": 5,
    "5": 5,
}
LEVEL_NAMES = {1: "市", 2: "区县", 3: "街道", 4: "社区", 5: "网格"}
MAX_WALK = 64


def _validator_message(validator, value) -> str | None:
    try:
        validator(value)
    except ValidationError as error:
        return " ".join(error.messages)
    return None


def _decimal(value: str, low: int, high: int):
    if value == "":
        return None
    try:
        number = Decimal(value).quantize(Decimal("0.000001"))
    except InvalidOperation:
        raise ValueError from None
    if not low <= number <= high:
        raise ValueError
    return number


class _TreeImporter(TabularImporter):
    """Shared checks of a tree import: unique codes, known parents, no cycles."""

    model = Region

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


class RegionImporter(_TreeImporter):
    """Regions by code: new codes are created, known codes updated, nothing deleted."""

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

    def plan_rows(self, rows, plan: ImportPlan) -> None:
        codes = {row.values["code"] for row in rows} | {
            row.values.get("parent_code", "") for row in rows
        }
        codes.discard("")
        existing = {
            region.code: region
            for region in Region.objects.filter(code__in=codes).select_related("parent")
        }
        addable = set(
            Region.objects.restrict(self.user, ADD)
            .filter(code__in=codes)
            .values_list("code", flat=True)
        )
        changeable = set(
            Region.objects.restrict(self.user, CHANGE)
            .filter(code__in=codes)
            .values_list("code", flat=True)
        )
        seen_rows: dict[str, int] = {}
        parsed = {}
        for row in rows:
            values = row.values
            code = values["code"]
            if not code:
                self.error(plan, row, "code", _("The code is empty."))
                continue
            message = _validator_message(code_validator, code)
            if message:
                self.error(plan, row, "code", message)
                continue
            if code in seen_rows:
                self.error(
                    plan,
                    row,
                    "code",
                    _("Code %(code)s already appears in row %(row)d.")
                    % {"code": code, "row": seen_rows[code]},
                )
                continue
            seen_rows[code] = row.number
            record = {
                "code": code,
                "name": values["name"],
                "parent_code": values.get("parent_code", ""),
            }
            if not record["name"]:
                self.error(plan, row, "name", _("The name is empty."))
            elif len(record["name"]) > 100:
                self.error(plan, row, "name", _("The name is longer than 100 characters."))
            level = LEVEL_WORDS.get(values["level"].lower().replace("（", "(").replace("）", ")"))
            if level is None:
                self.error(
                    plan,
                    row,
                    "level",
                    _("Unknown level “%(value)s”: use 市, 区县, 街道, 社区 or 网格.")
                    % {"value": values["level"]},
                )
            record["level"] = level
            for key, low, high in (("center_longitude", -180, 180), ("center_latitude", -90, 90)):
                try:
                    record[key] = _decimal(values.get(key, ""), low, high)
                except ValueError:
                    self.error(
                        plan,
                        row,
                        key,
                        _("“%(value)s” is not a coordinate between %(low)d and %(high)d.")
                        % {"value": values.get(key, ""), "low": low, "high": high},
                    )
            parsed[code] = (row, record)

        file_parents = {code: record["parent_code"] for code, (_row, record) in parsed.items()}
        known_paths = {code: region.path for code, region in existing.items()}
        for code, (row, record) in parsed.items():
            parent_code = record["parent_code"]
            if parent_code == code:
                self.error(plan, row, "parent_code", _("A region cannot be its own parent."))
                continue
            if not parent_code:
                becomes_root = code not in existing or existing[code].parent_id is not None
                if becomes_root and not self.user.is_superuser:
                    self.error(
                        plan,
                        row,
                        "parent_code",
                        _("Only a superuser may create a top-level region."),
                    )
                    continue
            elif parent_code not in parsed and parent_code not in existing:
                self.error(
                    plan,
                    row,
                    "parent_code",
                    _("Parent code %(code)s is not a known region.") % {"code": parent_code},
                )
                continue
            elif parent_code in existing and parent_code not in addable:
                self.error(
                    plan,
                    row,
                    "parent_code",
                    _("You may not add regions beneath %(code)s.") % {"code": parent_code},
                )
                continue
            if code in existing and code not in changeable:
                self.error(
                    plan, row, "code", _("You may not change region %(code)s.") % {"code": code}
                )
                continue
            depth = self.walk_depth(code, file_parents, known_paths)
            if depth is None:
                self.error(plan, row, "parent_code", _("The parents form a cycle."))
                continue
            parent_level = None
            if parent_code in parsed:
                parent_level = parsed[parent_code][1]["level"]
            elif parent_code in existing:
                parent_level = existing[parent_code].level
            if record["level"] and parent_level and record["level"] <= parent_level:
                self.error(
                    plan,
                    row,
                    "level",
                    _("A %(child)s cannot sit beneath a %(parent)s.")
                    % {"child": LEVEL_NAMES[record["level"]], "parent": LEVEL_NAMES[parent_level]},
                )
                continue
            if any(error.row == row.number for error in plan.errors):
                continue
            self._plan_one(plan, row, record, existing.get(code), depth)

    def _plan_one(self, plan, row, record, region, depth) -> None:
        values = {
            key: record[key] for key in ("name", "level", "center_longitude", "center_latitude")
        }
        label = f"{record['code']} {record['name']}"
        if region is None:
            plan.creates.append(
                PlannedChange(
                    row.number,
                    record["code"],
                    label,
                    None,
                    values | {"parent_code": record["parent_code"]},
                    order=depth,
                )
            )
            return
        changed = [
            key
            for key, value in values.items()
            if value is not None and getattr(region, key) != value
        ]
        current_parent = region.parent.code if region.parent_id else ""
        if record["parent_code"] != current_parent:
            changed.append("parent_code")
        if changed:
            plan.updates.append(
                PlannedChange(
                    row.number,
                    record["code"],
                    label,
                    region,
                    values | {"parent_code": record["parent_code"]},
                    changed,
                    order=depth,
                )
            )
        else:
            plan.unchanged += 1

    def apply_change(self, change: PlannedChange, created: dict) -> None:
        values = dict(change.values)
        parent_code = values.pop("parent_code")
        parent = Region.objects.get(code=parent_code) if parent_code else None
        if change.instance is None:
            services.create_region(
                self.user,
                code=change.key,
                parent=parent,
                **{k: v for k, v in values.items() if v is not None},
            )
        else:
            updates = {key: values[key] for key in change.changed if key != "parent_code"}
            if "parent_code" in change.changed:
                updates["parent"] = parent
            services.update_region(self.user, change.instance, **updates)


UNIT_TYPE_WORDS = {str(label): value for value, label in Unit.Type.choices}


class UnitImporter(_TreeImporter):
    """Units by code: new codes are created, known codes updated, nothing deleted."""

    model = Unit
    headers = dict(UNIT_COLUMNS)
    required = {"code", "name", "type", "region_code"}
    object_type = "regions.unit"
    text_fields = (
        "name",
        "short_name",
        "contact_name",
        "contact_mobile",
        "contact_phone",
        "contact_email",
        "address",
    )

    def plan_rows(self, rows, plan: ImportPlan) -> None:
        from django.utils import translation

        with translation.override("zh-hans"):
            type_words = {str(label): value for value, label in Unit.Type.choices}
        with translation.override("en"):
            type_words |= {str(label).lower(): value for value, label in Unit.Type.choices}
        type_words |= {value: value for value in Unit.Type.values}
        codes = {row.values["code"] for row in rows} | {
            row.values.get("parent_code", "") for row in rows
        }
        codes.discard("")
        existing = {
            unit.code: unit
            for unit in Unit.objects.restrict(self.user)
            .filter(code__in=codes)
            .select_related("parent", "region")
        }
        changeable = set(
            Unit.objects.restrict(self.user, CHANGE)
            .filter(code__in=codes)
            .values_list("code", flat=True)
        )
        # Codes used by units outside the user's scope: taken, and named no further.
        taken = (
            set(Unit.objects.filter(code__in=codes).values_list("code", flat=True))
            - existing.keys()
        )
        region_codes = {row.values["region_code"] for row in rows}
        regions = {
            region.code: region
            for region in Region.objects.restrict(self.user, ADD).filter(code__in=region_codes)
        }
        known_regions = set(
            Region.objects.filter(code__in=region_codes).values_list("code", flat=True)
        )
        seen_rows: dict[str, int] = {}
        parsed = {}
        for row in rows:
            values = row.values
            code = values["code"]
            message = (
                _("The code is empty.")
                if not code
                else _validator_message(unit_code_validator, code)
            )
            if message:
                self.error(plan, row, "code", message)
                continue
            if code in seen_rows:
                self.error(
                    plan,
                    row,
                    "code",
                    _("Code %(code)s already appears in row %(row)d.")
                    % {"code": code, "row": seen_rows[code]},
                )
                continue
            seen_rows[code] = row.number
            if code in taken:
                self.error(
                    plan, row, "code", _("Unit code %(code)s is already in use.") % {"code": code}
                )
                continue
            record = {key: values.get(key, "") for key in self.text_fields}
            record |= {"code": code, "parent_code": values.get("parent_code", "")}
            if not record["name"]:
                self.error(plan, row, "name", _("The name is empty."))
            unit_type = type_words.get(values["type"]) or type_words.get(values["type"].lower())
            if unit_type is None:
                self.error(
                    plan,
                    row,
                    "type",
                    _("Unknown unit type “%(value)s”.") % {"value": values["type"]},
                )
            record["type"] = unit_type
            region_code = values["region_code"]
            if region_code not in known_regions:
                self.error(
                    plan,
                    row,
                    "region_code",
                    _("Region code %(code)s is not a known region.") % {"code": region_code},
                )
            elif region_code not in regions:
                self.error(
                    plan,
                    row,
                    "region_code",
                    _("You may not add units in region %(code)s.") % {"code": region_code},
                )
            record["region"] = regions.get(region_code)
            mobile = record["contact_mobile"]
            if "*" in mobile:
                if code in existing:
                    # A masked number read back from an export: keep the stored one.
                    record["contact_mobile"] = existing[code].contact_mobile
                else:
                    self.error(
                        plan,
                        row,
                        "contact_mobile",
                        _("A masked mobile number can only be kept, not created."),
                    )
            elif mobile and not (len(mobile) == 11 and mobile.isdigit() and mobile[0] == "1"):
                self.error(
                    plan,
                    row,
                    "contact_mobile",
                    _("“%(value)s” is not an 11-digit mobile number.") % {"value": mobile},
                )
            if record["contact_email"] and _validator_message(
                validate_email, record["contact_email"]
            ):
                self.error(
                    plan,
                    row,
                    "contact_email",
                    _("“%(value)s” is not an e-mail address.") % {"value": record["contact_email"]},
                )
            for key, limit in (
                ("name", 100),
                ("short_name", 40),
                ("contact_name", 50),
                ("contact_phone", 30),
                ("address", 200),
            ):
                if len(record[key]) > limit:
                    self.error(
                        plan, row, key, _("Longer than %(limit)d characters.") % {"limit": limit}
                    )
            parsed[code] = (row, record)

        file_parents = {code: record["parent_code"] for code, (_row, record) in parsed.items()}
        known_paths = {code: unit.path for code, unit in existing.items()}
        for code, (row, record) in parsed.items():
            if any(error.row == row.number for error in plan.errors):
                continue
            parent_code = record["parent_code"]
            if parent_code == code:
                self.error(plan, row, "parent_code", _("A unit cannot be its own parent."))
                continue
            if parent_code and parent_code not in parsed and parent_code not in existing:
                self.error(
                    plan,
                    row,
                    "parent_code",
                    _("Parent unit %(code)s is not a known unit.") % {"code": parent_code},
                )
                continue
            if code in existing and code not in changeable:
                self.error(
                    plan, row, "code", _("You may not change unit %(code)s.") % {"code": code}
                )
                continue
            depth = self.walk_depth(code, file_parents, known_paths)
            if depth is None:
                self.error(plan, row, "parent_code", _("The parents form a cycle."))
                continue
            self._plan_one(plan, row, record, existing.get(code), depth)

    def _plan_one(self, plan, row, record, unit, depth) -> None:
        values = {key: record[key] for key in (*self.text_fields, "type", "region")}
        values["parent_code"] = record["parent_code"]
        label = f"{record['code']} {record['name']}"
        if unit is None:
            plan.creates.append(
                PlannedChange(row.number, record["code"], label, None, values, order=depth)
            )
            return
        changed = [key for key in (*self.text_fields, "type") if getattr(unit, key) != values[key]]
        if unit.region_id != values["region"].pk:
            changed.append("region")
        if (unit.parent.code if unit.parent_id else "") != record["parent_code"]:
            changed.append("parent_code")
        if changed:
            plan.updates.append(
                PlannedChange(row.number, record["code"], label, unit, values, changed, order=depth)
            )
        else:
            plan.unchanged += 1

    def apply_change(self, change: PlannedChange, created: dict) -> None:
        values = dict(change.values)
        parent_code = values.pop("parent_code")
        parent = Unit.objects.get(code=parent_code) if parent_code else None
        if change.instance is None:
            services.create_unit(self.user, code=change.key, parent=parent, **values)
        else:
            updates = {key: values[key] for key in change.changed if key != "parent_code"}
            if "parent_code" in change.changed:
                updates["parent"] = parent
            services.update_unit(self.user, change.instance, **updates)


def export_regions(queryset) -> bytes:
    """The regions as the import template: exporting then importing changes nothing."""
    rows = (
        [
            region.code,
            region.name,
            LEVEL_NAMES[region.level],
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
    from django.utils import translation

    from wenming.core.masking import can_see_personal_data, mask_mobile

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
