"""Excel import and export of a framework's indicator tree, through the services.

Nodes are matched by code, so importing the same file twice changes nothing and an
exported file imports back as a no-op. The preview lists what would be added, changed and
removed; a file with any error writes nothing.
"""

import re
from decimal import Decimal, InvalidOperation

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wenming.core.excel import RowError
from wenming.core.imports import (
    ImportPlan,
    KeyedChoiceField,
    KeyedMultipleChoiceField,
    PlannedChange,
    RowForm,
    SheetDecimalField,
    TabularImporter,
    choice_value,
    choice_words,
    register_importer,
)
from wenming.core.permissions import CHANGE
from wenming.framework import services
from wenming.framework.columns import (
    FRAMEWORK_COLUMNS,
    METHOD_WORDS,
    RULE_WORDS,
    VETO_WORDS,
    split_list,
)
from wenming.framework.models import Framework, Indicator, Method, ScoringRule, Task
from wenming.regions.models import Unit

# Site types are names in a list (a JSON field) until the inspections issue gives them a
# model; this is the length that model's name will have.
SITE_TYPE_NAME_MAX = 50
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


POINTS_MESSAGE = gettext_lazy("“%(value)s” is not a number of points.")
TOO_LONG_MESSAGE = gettext_lazy("The code or name is too long.")
DECIMAL_ERRORS = ("required", "invalid", "min_value", "max_digits", "max_whole_digits")


class IndicatorRowForm(RowForm):
    """One node of a framework row, checked by the Indicator model's fields."""

    class Meta:
        model = Indicator
        fields = (
            "code",
            "name",
            "standard",
            "points",
            "scoring_rule",
            "veto_effect",
            "veto_value",
            "local_code",
            "lead_unit",
            "responsible_units",
        )
        field_classes = {
            "points": SheetDecimalField,
            "veto_value": SheetDecimalField,
            "lead_unit": KeyedChoiceField,
            "responsible_units": KeyedMultipleChoiceField,
        }
        error_messages = {
            "code": {"max_length": TOO_LONG_MESSAGE},
            "name": {"max_length": TOO_LONG_MESSAGE},
            "points": dict.fromkeys(DECIMAL_ERRORS, POINTS_MESSAGE),
            "scoring_rule": {
                "invalid_choice": gettext_lazy("Unknown scoring rule “%(value)s”: use %(words)s.")
            },
            "veto_effect": {
                "invalid_choice": gettext_lazy(
                    "Unknown veto effect “%(value)s”: use 扣分、封顶 or 取消资格."
                )
            },
            "veto_value": dict.fromkeys(
                DECIMAL_ERRORS, gettext_lazy("A deduction or cap needs a value.")
            ),
            "lead_unit": {"invalid_choice": gettext_lazy("Unknown unit “%(value)s”.")},
            "responsible_units": {"invalid_choice": gettext_lazy("Unknown unit “%(value)s”.")},
        }


@register_importer
class FrameworkImporter(TabularImporter):
    """The indicator tree of one draft framework, by code; missing codes are removed."""

    kind = "framework"
    title = gettext_lazy("Import the framework")
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
    # Cells that list several values or hold prose keep the line breaks typed in them.
    multiline = {
        "standard",
        "methods",
        "rule_parameters",
        "lead_unit",
        "responsible_units",
        "site_types",
    }
    object_type = "framework.indicator"

    def __init__(self, user, framework):
        super().__init__(user)
        self.framework = framework
        self.message_params = {"scoring_rule": {"words": "、".join(RULE_WORDS)}}
        self.rule_words = choice_words(ScoringRule, RULE_WORDS)
        self.veto_words = choice_words(Indicator.VetoEffect, VETO_WORDS)
        self.method_words = choice_words(Method, METHOD_WORDS)

    @classmethod
    def for_request(cls, request, pk):
        framework = get_object_or_404(Framework.objects.restrict(request.user, CHANGE), pk=pk)
        return cls(request.user, framework)

    @property
    def pretitle(self) -> str:
        return str(self.framework)

    @property
    def stash_key(self) -> str:
        return f"{self.kind}-{self.framework.pk}"

    def page_url(self) -> str:
        return reverse("framework:framework_import", args=[self.framework.pk])

    def done_url(self) -> str:
        return reverse("framework:framework_detail", args=[self.framework.pk])

    def plan(self, data: bytes) -> ImportPlan:
        if not self.framework.is_editable:
            plan = ImportPlan()
            plan.add_error(
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

    def _unit_lookup(self, rows) -> dict:
        """Active units in the user's scope by code, and by name where no code matches."""
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

    def node_form(self, plan, row, data: dict, columns: dict) -> IndicatorRowForm | None:
        """The row form of one node, or None when it has errors (they are added)."""
        form = IndicatorRowForm(
            data,
            instance=Indicator(framework=self.framework),
            lookups={"lead_unit": self.units, "responsible_units": self.units},
        )
        if form.is_valid():
            return form
        self.form_errors(plan, row, form, columns)
        return None

    def plan_rows(self, rows, plan: ImportPlan) -> None:
        self.units = self._unit_lookup(rows)
        nodes: dict[str, dict] = {}  # code → planned values, in row order
        first_row: dict[str, int] = {}
        position = 0
        for row in rows:
            values = row.values
            for level, prefix in ((1, "item"), (2, "indicator")):
                columns = {name: f"{prefix}_{name}" for name in ("code", "name", "points")}
                code = values.get(columns["code"], "")
                name = values.get(columns["name"], "")
                parent_code = values.get("item_code", "") if level == 2 else ""
                if code in nodes:
                    self._check_repeated_parent(
                        plan, row, nodes[code], level, parent_code, columns, first_row
                    )
                    continue
                if level == 2 and code and not name:
                    # A content row naming a level-2 code no row has defined: the code is
                    # what is wrong, not an empty name cell the person never meant to fill.
                    self.error(
                        plan,
                        row,
                        columns["code"],
                        _(
                            "Level-2 indicator %(code)s is not defined: no row above gives "
                            "it, and this row gives it no name."
                        )
                        % {"code": code},
                    )
                    continue
                form = self.node_form(
                    plan,
                    row,
                    {"code": code, "name": name, "points": values.get(columns["points"]) or "0"},
                    columns,
                )
                if form is None:
                    continue
                position += 1
                first_row[code] = row.number
                nodes[code] = {
                    "level": level,
                    "name": name,
                    "parent_code": parent_code,
                    "points": form.cleaned_data["points"],
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
            if code and self.repeated(plan, row, "content_code", code, first_row):
                continue
            record = self._content(plan, row)
            if plan.has_errors_in(row.number):
                continue
            position += 1
            nodes[code] = record | {"position": position, "row": row.number}
        if plan.errors:
            return
        self.plan_warnings(plan, nodes)
        self._compare(plan, nodes)

    def _check_repeated_parent(self, plan, row, known, level, parent_code, columns, first_row):
        """A level-1 or level-2 code met again (its cells repeat, or sit under a merge)."""
        code, name = row.values.get(columns["code"], ""), row.values.get(columns["name"], "")
        if known["level"] != level:
            self.error(
                plan,
                row,
                columns["code"],
                _("Code %(code)s is used at two levels.") % {"code": code},
            )
        elif known["parent_code"] != parent_code:
            self.error(
                plan, row, columns["code"], _("%(code)s sits under two parents.") % {"code": code}
            )
        elif name and name != known["name"]:
            self.error(
                plan,
                row,
                columns["name"],
                _("%(code)s is named differently in row %(row)d.")
                % {"code": code, "row": first_row[code]},
            )

    def _content(self, plan, row) -> dict | None:
        """The level-3 node of a row; its errors are added to the plan."""
        values = row.values
        lead_names = split_list(values.get("lead_unit", ""))
        if len(lead_names) > 1:
            self.error(plan, row, "lead_unit", _("Name one lead unit."))
        veto = choice_value(self.veto_words, values.get("veto_effect", ""))
        data = {
            "code": values.get("content_code", ""),
            "name": values.get("content_name", ""),
            "standard": values.get("standard", ""),
            "points": values.get("points", ""),
            "scoring_rule": choice_value(self.rule_words, values.get("scoring_rule", "")),
            "veto_effect": veto,
            # A value only counts for the effects that take one.
            "veto_value": values.get("veto_value", "") if veto in ("deduction", "cap") else "",
            "local_code": values.get("local_code", ""),
            "lead_unit": lead_names[0] if len(lead_names) == 1 else "",
            "responsible_units": split_list(values.get("responsible_units", "")),
        }
        columns = {
            "code": "content_code",
            "name": "content_name",
            "lead_unit": "lead_unit",
            "responsible_units": "responsible_units",
        }
        form = self.node_form(plan, row, data, columns)
        cleaned = form.cleaned_data if form is not None else {}
        methods = []
        for word in split_list(values.get("methods", "")):
            method = choice_value(self.method_words, word)
            if method not in Method.values:
                self.error(
                    plan,
                    row,
                    "methods",
                    _("Unknown method “%(value)s”: use %(words)s.")
                    % {"value": word, "words": "、".join(METHOD_WORDS)},
                )
            elif method not in methods:
                methods.append(method)
        rule = cleaned.get("scoring_rule", "")
        parameters = {}
        if form is not None and rule:
            parameters, message = parse_rule_parameters(rule, values.get("rule_parameters", ""))
            if message:
                self.error(plan, row, "rule_parameters", message)
        elif form is not None and values.get("rule_parameters"):
            self.error(plan, row, "rule_parameters", _("Parameters need a scoring rule."))
        if form is not None and veto in ("deduction", "cap") and cleaned["veto_value"] is None:
            self.error(plan, row, "veto_value", _("A deduction or cap needs a value."))
        sites = split_list(values.get("site_types", ""))
        if any(len(site) > SITE_TYPE_NAME_MAX for site in sites):
            self.error(plan, row, "site_types", _("A site type name is too long."))
        if form is None:
            return None
        return {
            "level": 3,
            "name": cleaned["name"],
            "parent_code": values.get("indicator_code", ""),
            "points": cleaned["points"],
            "standard": cleaned["standard"],
            "methods": methods,
            "scoring_rule": rule,
            "rule_parameters": parameters,
            "site_type_names": sites,
            "veto_effect": cleaned["veto_effect"],
            "veto_value": cleaned["veto_value"],
            "lead_unit": cleaned["lead_unit"],
            "responsible_units": cleaned["responsible_units"],
            "local_code": cleaned["local_code"],
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
                plan.keep(label)
        removed = [node for code, node in existing.items() if code not in nodes]
        with_tasks = set(
            Task.objects.filter(indicator__in=removed).values_list("indicator__code", flat=True)
        )
        for node in sorted(removed, key=lambda n: -n.level):
            if node.code in with_tasks:
                plan.add_error(
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
