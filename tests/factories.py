"""Factories for tests: regions placed in the tree, units, people and memberships."""

import factory
from factory.django import DjangoModelFactory

from wenming.accounts.models import User
from wenming.regions.models import Membership, Region, TreeNode, Unit

PASSWORD = "Sample#2026"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    mobile = factory.Sequence(lambda n: f"139{n:08d}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(self, create, extracted, **kwargs):
        if create:
            self.save(update_fields=["password"])


def _place(node, parent):
    node.path = TreeNode.build_path(parent.path if parent else None, node.code)
    node.depth = parent.depth + 1 if parent else 1


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region

    code = factory.Sequence(lambda n: f"9901{n:08d}")
    name = factory.Sequence(lambda n: f"区域{n}")
    level = factory.LazyAttribute(lambda o: o.parent.level + 1 if o.parent else 1)
    parent = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        node = model_class(*args, **kwargs)
        _place(node, node.parent)
        node.save()
        return node


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"U{n:04d}")
    name = factory.Sequence(lambda n: f"单位{n}")
    type = Unit.Type.GOVERNMENT
    region = factory.SubFactory(RegionFactory)
    parent = None
    contact_name = "张伟"
    contact_mobile = factory.Sequence(lambda n: f"138{n:08d}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        node = model_class(*args, **kwargs)
        _place(node, node.parent)
        node.save()
        return node


def member(role, *, region=None, unit=None, **user_fields) -> User:
    """A new person holding one role in a region or unit."""
    user = UserFactory(**user_fields)
    Membership.objects.create(
        user=user, role=role, region=region or (unit.region if unit else None), unit=unit
    )
    return user


def workbook(header, rows, merges=()) -> bytes:
    """An .xlsx with a header row, data rows and merged ranges, as an office would send."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for cell_range in merges:
        sheet.merge_cells(cell_range)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
