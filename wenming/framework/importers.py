"""Excel import and export of a framework's indicator tree, through the services.

Nodes are matched by code, so importing the same file twice changes nothing and an
exported file imports back as a no-op. The preview lists what would be added, changed and
removed; a file with any error writes nothing.
"""

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from wenming.core.excel import RowError
from wenming.core.imports import ImportPlan, PlannedChange, TabularImporter
from wenming.framework import services
from wenming.framework.columns import (
    FRAMEWORK_COLUMNS,
    METHOD_WORDS,
    RULE_WORDS,
    VETO_WORDS,
    split_list,
)
from wenming.framework.models import Indicator, Method, ScoringRule, Task
from wenming.regions.models import Unit

CODE_MAX = 40
NAME_MAX = 300
METHOD_NAMES = {value: word for word, value in METHOD_WORDS.items()}
RULE_NAMES = {value: word for word, value in RULE_WORDS.items()}
VETO_NAMES = {value: word for word, value in VETO_WORDS.items()}
GRADE_PATTERN = re.compile(r"^[A-E]$")


def parse_points(text: str) -> Decimal | None:
    """'2', '2.0', '2.50' → Decimal with two places; None when not a number ≥ 0."""
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value < 0 or value > Decimal("99999.99"):
        return None
    return value.quantize(Decimal("0.01"))


def parse_rule_parameters(rule: str, text: str) -> tuple[dict, str | None]:
    """The rule's parameters from 'key=value;…', or an error message."""
    pairs = {}
    for part in split_list(text.replace("；", ";").replace("=", "=")):
        for piece in part.split(";"):
            if not piece.strip():
                continue
            if "=" not in piece:
                return {}, _("“%(text)s” is not key=value.") % {"text": piece}
            key, value = (side.strip() for side in piece.split("=", 1))
            pairs[key] = value
    if rule == ScoringRule.DEDUCTION_PER_FINDING:
        amount = parse_points(pairs.get("每处扣分", ""))
        if amount is None or amount == 0:
            return {}, _("Write the deduction per finding as 每处扣分=0.5.")
        return {"deduction": str(amount)}, None
    if rule == ScoringRule.GRADE:
        grades = {}
        for key, value in pairs.items():
            share = parse_points(value.rstrip("%"))
            if not GRADE_PATTERN.match(key) or share is None or share > 100:
                return {}, _("Write grades as A=100;B=80;C=60 (percent of the points).")
            grades[key] = str(share)
        if not grades:
            return {}, _("Write grades as A=100;B=80;C=60 (percent of the points).")
        return {"grades": grades}, None
    if rule in (ScoringRule.STATISTIC_TARGET, ScoringRule.SURVEY_RATE):
        if "目标值" not in pairs:
            if rule == ScoringRule.SURVEY_RATE:
                return {}, None
            return {}, _("Write the target as 目标值=95.")
        target = parse_points(pairs["目标值"].rstrip("%"))
        if target is None:
            return {}, _("Write the target as 目标值=95.")
        return {"target": str(target)}, None
    if pairs:
        return {}, _("This scoring rule takes no parameters.")
    return {}, None


def format_rule_parameters(rule: str, parameters: dict) -> str:
    """The cell text that `parse_rule_parameters` reads back to the same parameters."""
    if rule == ScoringRule.DEDUCTION_PER_FINDING and "deduction" in parameters:
        return f"每处扣分={parameters['deduction']}"
    if rule == ScoringRule.GRADE and parameters.get("grades"):
        return ";".join(f"{key}={value}" for key, value in parameters["grades"].items())
    if "target" in parameters:
        return f"目标值={parameters['target']}"
    return ""


class FrameworkImporter(TabularImporter):
    """The indicator tree of one draft framework, by code; missing codes are removed."""

    headers = dict(FRAMEWORK_COLUMNS)
    required = {
        "item_code",
        "item_name",
        "indicator_code",
        "indicator_name",
        "content_code",
        "content_name",
        "points",
    }
    object_type = "framework.indicator"

    def __init__(self, user, framework):
        super().__init__(user)
        self.framework = framework

    def plan(self, data: bytes) -> ImportPlan:
        plan = ImportPlan()
        if not self.framework.is_editable:
            plan.errors.append(
                RowError(
                    0,
                    "",
                    _(
                        "Only a draft framework can be changed; copy "
                        "it into a new draft version first."
                    ),
                )
            )
            return plan
        return super().plan(data)

    def _unit_lookup(self, rows):
        wanted = set()
        for row in rows:
            wanted.update(split_list(row.values.get("lead_unit", "")))
            wanted.update(split_list(row.values.get("responsible_units", "")))
        units = {}
        visible = Unit.objects.restrict(self.user).filter(is_active=True)
        for unit in visible.filter(code__in=wanted):
            units[unit.code] = unit
        for unit in visible.filter(name__in=wanted - units.keys()):
            units.setdefault(unit.name, unit)
        return units

    def plan_rows(self, rows, plan: ImportPlan) -> None:
        units = self._unit_lookup(rows)
        nodes: dict[str, dict] = {}  # code → planned values, in row order
        first_row: dict[str, int] = {}
        position = 0
        for row in rows:
            values = row.values
            row_errors_before = len(plan.errors)
            for level, prefix in ((1, "item"), (2, "indicator")):
                code = values.get(f"{prefix}_code", "")
                name = values.get(f"{prefix}_name", "")
                points_text = values.get(f"{prefix}_points", "")
                parent_code = values.get("item_code", "") if level == 2 else ""
                if not code:
                    self.error(plan, row, f"{prefix}_code", _("The code is empty."))
                    continue
                points = parse_points(points_text) if points_text else None
                if points_text and points is None:
                    self.error(
                        plan,
                        row,
                        f"{prefix}_points",
                        _("“%(value)s” is not a number of points.") % {"value": points_text},
                    )
                if code in nodes:
                    known = nodes[code]
                    if known["level"] != level:
                        self.error(
                            plan,
                            row,
                            f"{prefix}_code",
                            _("Code %(code)s is used at two levels.") % {"code": code},
                        )
                    elif known["parent_code"] != parent_code:
                        self.error(
                            plan,
                            row,
                            f"{prefix}_code",
                            _("%(code)s sits under two parents.") % {"code": code},
                        )
                    elif name and name != known["name"]:
                        self.error(
                            plan,
                            row,
                            f"{prefix}_name",
                            _("%(code)s is named differently in row %(row)d.")
                            % {"code": code, "row": first_row[code]},
                        )
                    continue
                if not name:
                    self.error(plan, row, f"{prefix}_name", _("The name is empty."))
                    continue
                if len(code) > CODE_MAX or len(name) > NAME_MAX:
                    self.error(plan, row, f"{prefix}_code", _("The code or name is too long."))
                    continue
                position += 1
                first_row[code] = row.number
                nodes[code] = {
                    "level": level,
                    "name": name,
                    "parent_code": parent_code,
                    "points": points or Decimal("0.00"),
                    "position": position,
                    "row": row.number,
                    "standard": "",
                    "methods": [],
                    "scoring_rule": "",
                    "rule_parameters": {},
                    "site_type_names": [],
                    "veto_effect": "",
                    "veto_value": None,
                    "lead_unit": None,
                    "responsible_units": [],
                    "local_code": "",
                }
            code = values.get("content_code", "")
            if not code:
                self.error(plan, row, "content_code", _("The code is empty."))
                continue
            if code in first_row:
                self.error(
                    plan,
                    row,
                    "content_code",
                    _("Code %(code)s already appears in row %(row)d.")
                    % {"code": code, "row": first_row[code]},
                )
                continue
            first_row[code] = row.number
            record = self._content(plan, row, units)
            if len(plan.errors) > row_errors_before or record is None:
                continue
            position += 1
            nodes[code] = record | {"position": position, "row": row.number}
        if plan.errors:
            return
        self.plan_warnings(plan, nodes)
        self._compare(plan, nodes)

    def _content(self, plan, row, units) -> dict | None:
        values = row.values
        name = values.get("content_name", "")
        code = values["content_code"]
        if not name:
            self.error(plan, row, "content_name", _("The name is empty."))
        if len(code) > CODE_MAX or len(name) > NAME_MAX:
            self.error(plan, row, "content_code", _("The code or name is too long."))
        points = parse_points(values.get("points", ""))
        if points is None:
            self.error(
                plan,
                row,
                "points",
                _("“%(value)s” is not a number of points.") % {"value": values.get("points", "")},
            )
        methods = []
        for word in split_list(values.get("methods", "")):
            method = METHOD_WORDS.get(word) or (word if word in Method.values else None)
            if method is None:
                self.error(
                    plan,
                    row,
                    "methods",
                    _("Unknown method “%(value)s”: use %(words)s.")
                    % {"value": word, "words": "、".join(METHOD_WORDS)},
                )
            else:
                methods.append(method)
        rule_text = values.get("scoring_rule", "")
        rule = RULE_WORDS.get(rule_text) or (rule_text if rule_text in ScoringRule.values else None)
        parameters = {}
        if rule_text and rule is None:
            self.error(
                plan,
                row,
                "scoring_rule",
                _("Unknown scoring rule “%(value)s”: use %(words)s.")
                % {"value": rule_text, "words": "、".join(RULE_WORDS)},
            )
        elif rule:
            parameters, message = parse_rule_parameters(rule, values.get("rule_parameters", ""))
            if message:
                self.error(plan, row, "rule_parameters", message)
        elif values.get("rule_parameters"):
            self.error(plan, row, "rule_parameters", _("Parameters need a scoring rule."))
        lead = None
        lead_names = split_list(values.get("lead_unit", ""))
        if len(lead_names) > 1:
            self.error(plan, row, "lead_unit", _("Name one lead unit."))
        elif lead_names:
            lead = units.get(lead_names[0])
            if lead is None:
                self.error(
                    plan,
                    row,
                    "lead_unit",
                    _("Unknown unit “%(value)s”.") % {"value": lead_names[0]},
                )
        responsible = []
        for name_or_code in split_list(values.get("responsible_units", "")):
            unit = units.get(name_or_code)
            if unit is None:
                self.error(
                    plan,
                    row,
                    "responsible_units",
                    _("Unknown unit “%(value)s”.") % {"value": name_or_code},
                )
            elif unit not in responsible:
                responsible.append(unit)
        veto_text = values.get("veto_effect", "")
        veto = VETO_WORDS.get(veto_text, veto_text if veto_text in VETO_NAMES else None)
        veto_value = None
        if veto_text and veto is None:
            self.error(
                plan,
                row,
                "veto_effect",
                _("Unknown veto effect “%(value)s”: use 扣分、封顶 or 取消资格.")
                % {"value": veto_text},
            )
        if veto in ("deduction", "cap"):
            veto_value = parse_points(values.get("veto_value", ""))
            if veto_value is None:
                self.error(plan, row, "veto_value", _("A deduction or cap needs a value."))
        sites = split_list(values.get("site_types", ""))
        if any(len(site) > 50 for site in sites):
            self.error(plan, row, "site_types", _("A site type name is too long."))
        return {
            "level": 3,
            "name": name,
            "parent_code": values.get("indicator_code", ""),
            "points": points,
            "standard": values.get("standard", ""),
            "methods": methods,
            "scoring_rule": rule or "",
            "rule_parameters": parameters,
            "site_type_names": sites,
            "veto_effect": veto or "",
            "veto_value": veto_value,
            "lead_unit": lead,
            "responsible_units": responsible,
            "local_code": values.get("local_code", "")[:40],
        }

    def _compare(self, plan: ImportPlan, nodes: dict) -> None:
        existing = {
            node.code: node
            for node in Indicator.objects.filter(framework=self.framework)
            .select_related("parent", "lead_unit")
            .prefetch_related("responsible_units")
        }
        compared = (
            "name",
            "level",
            "points",
            "position",
            "standard",
            "methods",
            "scoring_rule",
            "rule_parameters",
            "site_type_names",
            "veto_effect",
            "veto_value",
            "local_code",
        )
        for code, record in nodes.items():
            node = existing.get(code)
            label = f"{code} {record['name']}"
            if node is None:
                plan.creates.append(
                    PlannedChange(record["row"], code, label, None, record, order=record["level"])
                )
                continue
            changed = [key for key in compared if getattr(node, key) != record[key]]
            if (node.parent.code if node.parent_id else "") != record["parent_code"]:
                changed.append("parent")
            if node.lead_unit_id != (record["lead_unit"].pk if record["lead_unit"] else None):
                changed.append("lead_unit")
            if {unit.pk for unit in node.responsible_units.all()} != {
                unit.pk for unit in record["responsible_units"]
            }:
                changed.append("responsible_units")
            if changed:
                plan.updates.append(
                    PlannedChange(
                        record["row"], code, label, node, record, changed, order=record["level"]
                    )
                )
            else:
                plan.unchanged += 1
        removed = [node for code, node in existing.items() if code not in nodes]
        with_tasks = set(
            Task.objects.filter(indicator__in=removed).values_list("indicator__code", flat=True)
        )
        for node in sorted(removed, key=lambda n: -n.level):
            if node.code in with_tasks:
                plan.errors.append(
                    RowError(
                        0,
                        "",
                        _(
                            "%(code)s is missing from the file but has "
                            "tasks, so it cannot be removed."
                        )
                        % {"code": node.code},
                    )
                )
                continue
            plan.deletes.append(PlannedChange(0, node.code, str(node), node, order=10 - node.level))

    def apply_change(self, change: PlannedChange, created: dict) -> None:
        record = dict(change.values)
        parent_code = record.pop("parent_code")
        parent = None
        if parent_code:
            parent = created.get(parent_code) or Indicator.objects.get(
                framework=self.framework, code=parent_code
            )
        units = record.pop("responsible_units")
        values = {key: value for key, value in record.items() if key in services.INDICATOR_FIELDS}
        values["parent"] = parent
        node = services.save_indicator(
            self.user,
            self.framework,
            change.key,
            values,
            responsible_units=units,
            existing=change.instance,
        )
        created[change.key] = node

    def apply_delete(self, change: PlannedChange) -> None:
        services.delete_indicator(self.user, change.instance)

    def plan_warnings(self, plan: ImportPlan, nodes: dict) -> None:
        """Parents whose children's points add up to something else: shown, not refused."""
        totals: dict[str, Decimal] = {}
        for record in nodes.values():
            if record["parent_code"]:
                totals[record["parent_code"]] = (
                    totals.get(record["parent_code"], Decimal(0)) + record["points"]
                )
        for code, record in nodes.items():
            if record["level"] < 3 and code in totals and totals[code] != record["points"]:
                plan.warnings.append(
                    _("%(code)s has %(points)s points but its children add up to %(total)s.")
                    % {"code": code, "points": record["points"], "total": totals[code]}
                )


def export_rows(framework) -> list[list]:
    """One row per level-3 node in the template's column order (parents repeated)."""
    nodes = list(
        Indicator.objects.filter(framework=framework)
        .order_by("position")
        .select_related("lead_unit")
        .prefetch_related("responsible_units")
    )
    by_id = {node.pk: node for node in nodes}
    rows = []
    for node in nodes:
        if node.level != 3:
            continue
        indicator = by_id.get(node.parent_id)
        item = by_id.get(indicator.parent_id) if indicator else None
        rows.append(
            [
                item.code if item else "",
                item.name if item else "",
                item.points if item else None,
                indicator.code if indicator else "",
                indicator.name if indicator else "",
                indicator.points if indicator else None,
                node.code,
                node.name,
                node.standard,
                "、".join(METHOD_NAMES.get(method, method) for method in node.methods),
                node.points,
                RULE_NAMES.get(node.scoring_rule, node.scoring_rule),
                format_rule_parameters(node.scoring_rule, node.rule_parameters),
                node.lead_unit.code if node.lead_unit else "",
                "、".join(
                    unit.code
                    for unit in sorted(node.responsible_units.all(), key=lambda unit: unit.code)
                ),
                "、".join(node.site_type_names),
                VETO_NAMES.get(node.veto_effect, ""),
                node.veto_value,
                node.local_code,
            ]
        )
    return rows
