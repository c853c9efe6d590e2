"""示范市: a fictional, deterministic demo city to try the platform with.

The city sits under province code 99, which does not exist, so no real place is named.
Everything is drawn from fixed word lists with seeded `random.Random` generators, so two
builds give the same codes, names, coordinates, contacts and accounts. At scale 1 there are
1 city, 6 districts, 60 streets, 400 communities, 2,000 grids and 80 units; scale N
multiplies the districts (and everything beneath them) and the units by N.

Rows are written with `bulk_create`, parents before children, with `path` and `depth`
computed here, inside one transaction; the audit log gets one "import" entry per model
kind rather than one per row.
"""

import random
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, ProtectedError, RestrictedError
from django.db.models.functions import Lower

from wenming.core import audit
from wenming.core.context import acting_as
from wenming.regions.models import Membership, Region, TreeNode, Unit

# Published on purpose: the demo accounts exist to be signed in to.
DEMO_PASSWORD = "Demo@2026!"  # noqa: S105
DEMO_ORIGIN = "demo"
DEMO_CITY_NAME = "示范市"
DEMO_CITY_CODE = "990100000000"
# Province 99, city 01: every region code of the demo starts with this.
DEMO_CODE_PREFIX = DEMO_CITY_CODE[:4]
DEMO_CITY_PATH = TreeNode.build_path(None, DEMO_CITY_CODE)
DEMO_UNIT_CODE_PREFIX = "SF-"
# Demo accounts carry an address under this reserved domain; `--force` removes only those.
DEMO_EMAIL_DOMAIN = "demo.invalid"

DISTRICTS_PER_SCALE = 6
STREETS_PER_DISTRICT = 10
# Per block of 6 districts (60 streets): 40 streets with 7 communities, 20 with 6 = 400.
COMMUNITY_COUNTS_PER_BLOCK = [7] * 40 + [6] * 20
GRIDS_PER_COMMUNITY = 5
UNITS_PER_SCALE = 80
# The district segment of a statistical code has two digits: at most 99 districts.
MAX_SCALE = 99 // DISTRICTS_PER_SCALE

LEVEL_LABELS = {
    Region.Level.CITY: ("市", "City"),
    Region.Level.DISTRICT: ("区", "District"),
    Region.Level.STREET: ("街道", "Street"),
    Region.Level.COMMUNITY: ("社区", "Community"),
    Region.Level.GRID: ("网格", "Grid"),
}
SUPERUSER_ROLE = "superuser"
ROLE_LABELS = {
    SUPERUSER_ROLE: ("超级管理员", "Superuser"),
    Membership.Role.OFFICE_ADMIN: ("文明办管理员", "Office admin"),
    Membership.Role.OFFICE_STAFF: ("文明办工作人员", "Office staff"),
    Membership.Role.UNIT_STAFF: ("单位工作人员", "Unit staff"),
    Membership.Role.INSPECTOR: ("测评员", "Inspector"),
    Membership.Role.LEADER: ("领导", "Leader"),
    Membership.Role.VOLUNTEER: ("志愿者", "Volunteer"),
    Membership.Role.RESIDENT: ("居民", "Resident"),
}
WHOLE_PLATFORM = "全平台 (whole platform)"

# Fixed word lists -----------------------------------------------------------------------


def _words(text: str) -> list[str]:
    """A word list written as one space-separated string, to keep it compact."""
    return text.split()


DISTRICT_NAMES = _words(
    "东湖区 西山区 南城区 北塘区 江滨区 青云区 金沙区 龙泉区 凤栖区 桃源区 松岭区 白鹭区"
)
DISTRICT_NAME_HEADS = "东西南北中新青金龙凤云石梅桃柳松白翠玉银"
DISTRICT_NAME_TAILS = "湖山城塘江桥岭港湾源溪峰林台陵川洲泉坪阳"
STREET_WORDS = _words(
    "人民 解放 和平 新华 建设 朝阳 胜利 文化 中山 光明 红旗 东风 长安 "
    "滨江 城关 花园 五一 友谊 青年 大同 兴隆 永安 育才 振兴 凤凰 白沙 "
    "金桥 月湖 梅园 荷花 南湖 西关 东关 鼓楼 府前 学府 新城 湖滨 平安 "
    "长青 站前 桥南 河西 北门 紫阳 环城 太平 双塔 城东 城西 城南 城北 龙门 "
    "汇文 江北 港口 临江 清风 玉泉 金山 古城 天宁 石桥 秀水 八一 马鞍 三里"
)
COMMUNITY_STEMS = _words(
    "幸福 和谐 阳光 翠竹 桂花 丁香 紫荆 玉兰 枫林 柳岸 春晖 秋实 清水 "
    "碧波 银河 星光 明珠 锦绣 华光 绿洲 怡景 康乐 长乐 文华 书香 梧桐 "
    "芙蓉 海棠 松柏 百合"
)
COMMUNITY_SUFFIXES = ["", "园", "苑", "里", "坊", "湾", "庭"]
ROADS = _words(
    "人民路 解放路 建设大道 中山路 文化路 滨江路 新华路 青年路 朝阳路 长江路 "
    "府前街 学院路 工业大道 环城北路 友谊路 和平街"
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余"
    "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯史陶贺"
)
GIVEN_NAME_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅鑫斌宇浩凯晨欣怡涵雨轩"
    "博文佳琪思远嘉诚建国志海燕晓东丹阳婷瑶慧颖佩俊峰亮松林春秋德成新宏立波健辉云"
)
MOBILE_PREFIXES = "3456789"

CITY_CENTER = (113.420000, 30.110000)

# (code suffix, full name, short name): the city's departments, all type government.
CITY_DEPARTMENTS = [
    ("CGJ", "示范市城市管理局", "城管局"),
    ("ZJJ", "示范市住房和城乡建设局", "住建局"),
    ("SCJGJ", "示范市市场监督管理局", "市场监管局"),
    ("JTYSJ", "示范市交通运输局", "交通运输局"),
    ("JJZD", "示范市公安局交通警察支队", "公安局交警支队"),
    ("JYJ", "示范市教育局", "教育局"),
    ("WJW", "示范市卫生健康委员会", "卫健委"),
    ("STHJJ", "示范市生态环境局", "生态环境局"),
    ("SWJ", "示范市商务局", "商务局"),
    ("WLJ", "示范市文化和旅游局", "文旅局"),
]
# Schools and hospitals fill the unit count up to exactly 80 per scale: the city's own
# first, then district ones round-robin. Schools sit under 教育局, hospitals under 卫健委.
CITY_INSTITUTIONS = [
    ("YY01", "示范市第一人民医院", "市一医院", Unit.Type.HOSPITAL),
    ("ZX01", "示范市第一中学", "市一中", Unit.Type.SCHOOL),
    ("XX01", "示范市实验小学", "市实验小学", Unit.Type.SCHOOL),
    ("YY02", "示范市中医院", "市中医院", Unit.Type.HOSPITAL),
    ("ZX02", "示范市第二中学", "市二中", Unit.Type.SCHOOL),
    ("YY03", "示范市妇幼保健院", "市妇幼保健院", Unit.Type.HOSPITAL),
]
DISTRICT_INSTITUTIONS = [
    ("YY", "人民医院", Unit.Type.HOSPITAL),
    ("ZX", "第一中学", Unit.Type.SCHOOL),
    ("XX", "实验小学", Unit.Type.SCHOOL),
    ("ZY", "中医院", Unit.Type.HOSPITAL),
    ("EZ", "第二中学", Unit.Type.SCHOOL),
    ("EX", "第二小学", Unit.Type.SCHOOL),
]
INSTITUTION_PARENTS = {Unit.Type.SCHOOL: "JYJ", Unit.Type.HOSPITAL: "WJW"}

# Demo accounts, in the order they are listed: (username, role, title). `district` stands
# for district1 … districtN, one office staff account per district.
ACCOUNT_SPECS = [
    ("admin", SUPERUSER_ROLE, ""),
    ("city_admin", Membership.Role.OFFICE_ADMIN, "综合科科长"),
    ("city_staff", Membership.Role.OFFICE_STAFF, "综合科科员"),
    ("district", Membership.Role.OFFICE_STAFF, "区文明办科员"),
    ("city_leader", Membership.Role.LEADER, "分管副市长"),
    ("inspector1", Membership.Role.INSPECTOR, "测评员"),
    ("unit_cgj", Membership.Role.UNIT_STAFF, "创文联络员"),
    ("unit_street1", Membership.Role.UNIT_STAFF, "创文联络员"),
    ("volunteer1", Membership.Role.VOLUNTEER, "志愿者"),
    ("resident1", Membership.Role.RESIDENT, ""),
]
FIXED_USERNAMES = [spec[0] for spec in ACCOUNT_SPECS if spec[0] != "district"]


class DemoError(Exception):
    """The demo city cannot be built or removed as asked; the message says why."""


class DemoAlreadyLoaded(DemoError):
    """The demo city is already in the database."""


# Results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    """One demo sign-in: who, in which role, where."""

    username: str
    full_name: str
    role: str
    where: str
    mobile: str

    @property
    def role_label(self) -> str:
        chinese, english = ROLE_LABELS.get(self.role, (self.role, self.role))
        return f"{chinese} ({english})"


@dataclass
class DemoSummary:
    """What the demo city holds: counts per region level, units, and the demo accounts.

    `password` is None when it is not known (the city was loaded earlier with another).
    """

    scale: int
    regions_per_level: dict[int, int]
    units: int
    users: int
    memberships: int
    accounts: list[DemoAccount] = field(default_factory=list)
    password: str | None = None
    created: bool = True
    seconds: float = 0.0

    @property
    def regions(self) -> int:
        return sum(self.regions_per_level.values())


# Deterministic drawing ------------------------------------------------------------------


def _rng(*parts) -> random.Random:
    """A generator seeded from a string: stable across runs, platforms and hash seeds."""
    return random.Random(":".join(["wenming-demo", *map(str, parts)]))


def _person_name(rng: random.Random) -> str:
    given_length = 1 if rng.random() < 0.3 else 2
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN_NAME_CHARS) for _ in range(given_length))


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**9):09d}"


def _coordinate(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")


def _near(rng: random.Random, center: tuple[float, float], spread: float) -> tuple[float, float]:
    return (center[0] + rng.uniform(-spread, spread), center[1] + rng.uniform(-spread, spread))


def _address(rng: random.Random, prefix: str) -> str:
    return f"{prefix}{rng.choice(ROADS)}{rng.randint(1, 399)}号"


def district_names(count: int) -> list[str]:
    """The first `count` district names: the curated ones, then seeded combinations."""
    names = list(DISTRICT_NAMES)
    if count > len(names):
        extra = [
            f"{head}{tail}区"
            for head in DISTRICT_NAME_HEADS
            for tail in DISTRICT_NAME_TAILS
            if head != tail and f"{head}{tail}区" not in names
        ]
        _rng("district-names").shuffle(extra)
        names += extra
    return names[:count]


def demo_usernames(scale: int) -> list[str]:
    """The demo account usernames at this scale, in listing order."""
    names = []
    for username, _role, _title in ACCOUNT_SPECS:
        if username == "district":
            names += [f"district{n}" for n in range(1, scale * DISTRICTS_PER_SCALE + 1)]
        else:
            names.append(username)
    return names


def _account_rank(username: str) -> tuple[int, int]:
    for index, (spec_name, _role, _title) in enumerate(ACCOUNT_SPECS):
        if username == spec_name:
            return index, 0
        if spec_name == "district" and username.startswith("district"):
            suffix = username.removeprefix("district")
            if suffix.isdigit():
                return index, int(suffix)
    return len(ACCOUNT_SPECS), 0


def validate_demo_password(password: str, scale: int = 1) -> None:
    """Raise ValidationError unless the password passes the validators for every account."""
    user_model = get_user_model()
    messages = []
    for username in demo_usernames(scale):
        try:
            validate_password(password, user=user_model(username=username))
        except ValidationError as error:
            messages += [m for m in error.messages if m not in messages]
    if messages:
        raise ValidationError(messages)


def _check_scale(scale: int) -> None:
    if not isinstance(scale, int) or not 1 <= scale <= MAX_SCALE:
        raise ValueError(f"scale must be an integer from 1 to {MAX_SCALE}")


# Queries over the demo --------------------------------------------------------------------


def demo_city() -> Region | None:
    """The demo city's root region, if it is loaded."""
    return Region.objects.filter(code=DEMO_CITY_CODE).first()


def demo_city_exists() -> bool:
    return Region.objects.filter(code=DEMO_CITY_CODE).exists()


def demo_users():
    """Accounts made by the demo: a demo username and an address under the demo domain."""
    user_model = get_user_model()
    return user_model.objects.filter(
        username__regex=r"^(" + "|".join(FIXED_USERNAMES) + r"|district[0-9]+)$",
        email__iendswith=f"@{DEMO_EMAIL_DOMAIN}",
    )


# Building ---------------------------------------------------------------------------------


def _bulk_create(model, objects: list) -> list:
    """Insert in batches; fetch primary keys by path if the database did not return them."""
    created = model.objects.bulk_create(objects, batch_size=2000)
    if any(obj.pk is None for obj in created):
        ids = dict(
            model.objects.filter(path__in=[o.path for o in created]).values_list("path", "pk")
        )
        for obj in created:
            obj.pk = ids[obj.path]
    return created


def _region(code: str, name: str, level: int, parent: Region | None, point) -> Region:
    region = Region(
        code=code,
        name=name,
        level=level,
        center_longitude=_coordinate(point[0]),
        center_latitude=_coordinate(point[1]),
    )
    region.place_under(parent)
    return region


def _unit(
    code: str,
    name: str,
    short_name: str,
    unit_type: str,
    region: Region,
    parent: Unit | None,
    rng: random.Random,
    address_prefix: str,
) -> Unit:
    unit = Unit(
        code=code,
        name=name,
        short_name=short_name,
        type=unit_type,
        region=region,
        contact_name=_person_name(rng),
        contact_mobile=_mobile(rng),
        address=_address(rng, address_prefix),
    )
    unit.place_under(parent)
    return unit


@dataclass
class _Tree:
    city: Region
    districts: list[Region]
    streets: list[list[Region]]  # per district
    communities: list[Region]
    grids: int


def _build_regions(scale: int) -> _Tree:
    district_count = scale * DISTRICTS_PER_SCALE
    city_point = CITY_CENTER
    (city,) = _bulk_create(
        Region, [_region(DEMO_CITY_CODE, DEMO_CITY_NAME, Region.Level.CITY, None, city_point)]
    )

    columns = 4
    rows = (district_count + columns - 1) // columns
    districts = []
    for index, name in enumerate(district_names(district_count)):
        rng = _rng("district", index)
        point = (
            city_point[0] + (index % columns - (columns - 1) / 2) * 0.11 + rng.uniform(-0.02, 0.02),
            city_point[1] + ((rows - 1) / 2 - index // columns) * 0.09 + rng.uniform(-0.02, 0.02),
        )
        code = f"{DEMO_CODE_PREFIX}{index + 1:02d}000000"
        districts.append(_region(code, name, Region.Level.DISTRICT, city, point))
    _bulk_create(Region, districts)

    streets_by_district = []
    all_streets = []
    for index, district in enumerate(districts):
        # Street names differ across a block of six districts (the whole city at scale 1).
        block, position = divmod(index, DISTRICTS_PER_SCALE)
        block_words = _rng("street-names", block).sample(
            STREET_WORDS, DISTRICTS_PER_SCALE * STREETS_PER_DISTRICT
        )
        words = block_words[position * STREETS_PER_DISTRICT : (position + 1) * STREETS_PER_DISTRICT]
        rng = _rng("streets", index)
        center = (float(district.center_longitude), float(district.center_latitude))
        streets = [
            _region(
                f"{district.code[:6]}{number:03d}000",
                f"{word}街道",
                Region.Level.STREET,
                district,
                _near(rng, center, 0.035),
            )
            for number, word in enumerate(words, start=1)
        ]
        streets_by_district.append(streets)
        all_streets += streets
    _bulk_create(Region, all_streets)

    communities = []
    community_names = [stem + suffix for stem in COMMUNITY_STEMS for suffix in COMMUNITY_SUFFIXES]
    for index, streets in enumerate(streets_by_district):
        block, position = divmod(index, DISTRICTS_PER_SCALE)
        counts = list(COMMUNITY_COUNTS_PER_BLOCK)
        _rng("community-counts", block).shuffle(counts)
        counts = counts[position * STREETS_PER_DISTRICT : (position + 1) * STREETS_PER_DISTRICT]
        rng = _rng("communities", index)
        names = iter(rng.sample(community_names, sum(counts)))
        for street, count in zip(streets, counts, strict=True):
            center = (float(street.center_longitude), float(street.center_latitude))
            for number in range(1, count + 1):
                communities.append(
                    _region(
                        f"{street.code[:9]}{number:03d}",
                        f"{next(names)}社区",
                        Region.Level.COMMUNITY,
                        street,
                        _near(rng, center, 0.008),
                    )
                )
    _bulk_create(Region, communities)

    grids = []
    for community in communities:
        rng = _rng("grids", community.code)
        center = (float(community.center_longitude), float(community.center_latitude))
        grids += [
            _region(
                f"{community.code}{number:03d}",
                f"第{number}网格",
                Region.Level.GRID,
                community,
                _near(rng, center, 0.002),
            )
            for number in range(1, GRIDS_PER_COMMUNITY + 1)
        ]
    _bulk_create(Region, grids)
    return _Tree(city, districts, streets_by_district, communities, len(grids))


def _build_units(tree: _Tree, scale: int) -> dict[str, Unit]:
    """Create exactly UNITS_PER_SCALE × scale units; return them by code."""
    city = tree.city
    prefix = DEMO_UNIT_CODE_PREFIX
    rng = _rng("units", "city")
    city_office = _unit(
        f"{prefix}WMB",
        "示范市文明办",
        "市文明办",
        Unit.Type.OFFICE,
        city,
        None,
        rng,
        DEMO_CITY_NAME,
    )
    roots = [city_office]
    roots += [
        _unit(f"{prefix}{code}", name, short, Unit.Type.GOVERNMENT, city, None, rng, DEMO_CITY_NAME)
        for code, name, short in CITY_DEPARTMENTS
    ]
    for index, (district, streets) in enumerate(zip(tree.districts, tree.streets, strict=True)):
        rng = _rng("units", "streets", index)
        for number, street in enumerate(streets, start=1):
            roots.append(
                _unit(
                    f"{prefix}D{index + 1:02d}-JD{number:02d}",
                    f"{district.name}{street.name}办事处",
                    f"{street.name}办事处",
                    Unit.Type.STREET_OFFICE,
                    street,
                    None,
                    rng,
                    f"{DEMO_CITY_NAME}{district.name}{street.name}",
                )
            )
    _bulk_create(Unit, roots)
    by_code = {unit.code: unit for unit in roots}

    children = []
    for index, district in enumerate(tree.districts):
        rng = _rng("units", "district", index)
        children.append(
            _unit(
                f"{prefix}D{index + 1:02d}-WMB",
                f"{district.name}文明办",
                f"{district.name}文明办",
                Unit.Type.OFFICE,
                district,
                city_office,
                rng,
                f"{DEMO_CITY_NAME}{district.name}",
            )
        )
    remaining = UNITS_PER_SCALE * scale - len(roots) - len(children)
    rng = _rng("units", "institutions")
    for code, name, short, unit_type in CITY_INSTITUTIONS[:remaining]:
        parent = by_code[f"{prefix}{INSTITUTION_PARENTS[unit_type]}"]
        children.append(
            _unit(f"{prefix}{code}", name, short, unit_type, city, parent, rng, DEMO_CITY_NAME)
        )
    remaining -= min(remaining, len(CITY_INSTITUTIONS))
    for slot in range(remaining):
        round_, index = divmod(slot, len(tree.districts))
        code, suffix, unit_type = DISTRICT_INSTITUTIONS[round_ % len(DISTRICT_INSTITUTIONS)]
        district = tree.districts[index]
        parent = by_code[f"{prefix}{INSTITUTION_PARENTS[unit_type]}"]
        children.append(
            _unit(
                f"{prefix}D{index + 1:02d}-{code}{round_ // len(DISTRICT_INSTITUTIONS) + 1}",
                f"{district.name}{suffix}",
                f"{district.name}{suffix}",
                unit_type,
                district,
                parent,
                rng,
                f"{DEMO_CITY_NAME}{district.name}",
            )
        )
    _bulk_create(Unit, children)
    by_code.update((unit.code, unit) for unit in children)
    return by_code


def _build_accounts(tree: _Tree, units: dict[str, Unit], scale: int, password: str):
    """Create the demo users (one password hash, reused) and their memberships."""
    user_model = get_user_model()
    rng = _rng("accounts")
    password_hash = make_password(password)
    first_street_office = units[f"{DEMO_UNIT_CODE_PREFIX}D01-JD01"]
    places = {
        "city_admin": (tree.city, None),
        "city_staff": (tree.city, None),
        "city_leader": (tree.city, None),
        "inspector1": (tree.city, None),
        "unit_cgj": (None, units[f"{DEMO_UNIT_CODE_PREFIX}CGJ"]),
        "unit_street1": (None, first_street_office),
        "volunteer1": (tree.communities[0], None),
        "resident1": (tree.communities[0], None),
    }
    roles = {}
    for username, role, title in ACCOUNT_SPECS:
        if username == "district":
            for number, district in enumerate(tree.districts, start=1):
                places[f"district{number}"] = (district, None)
                roles[f"district{number}"] = (role, title)
        else:
            roles[username] = (role, title)

    taken = set(user_model.objects.filter(mobile__startswith="1").values_list("mobile", flat=True))
    users = []
    for username in demo_usernames(scale):
        mobile = _mobile(rng)
        while mobile in taken:
            mobile = _mobile(rng)
        taken.add(mobile)
        is_superuser = roles[username][0] == SUPERUSER_ROLE
        users.append(
            user_model(
                username=username,
                full_name=_person_name(rng),
                mobile=mobile,
                email=f"{username}@{DEMO_EMAIL_DOMAIN}",
                password=password_hash,
                is_superuser=is_superuser,
                is_staff=is_superuser,
            )
        )
    user_model.objects.bulk_create(users)
    if any(user.pk is None for user in users):
        ids = dict(
            user_model.objects.filter(username__in=[u.username for u in users]).values_list(
                "username", "pk"
            )
        )
        for user in users:
            user.pk = ids[user.username]

    memberships = []
    for user in users:
        role, title = roles[user.username]
        if role == SUPERUSER_ROLE:
            continue
        region, unit = places[user.username]
        memberships.append(
            Membership(
                user=user, role=role, region=unit.region if unit else region, unit=unit, title=title
            )
        )
    Membership.objects.bulk_create(memberships)
    return users, memberships


def _check_conflicts(scale: int) -> None:
    """Refuse, before writing anything, when demo codes or usernames are already taken."""
    problems = []
    if Region.objects.filter(code__startswith=DEMO_CODE_PREFIX).exists():
        problems.append(f"regions with codes starting {DEMO_CODE_PREFIX} exist outside the demo")
    unit_codes = set(
        Unit.objects.filter(code__startswith=DEMO_UNIT_CODE_PREFIX).values_list("code", flat=True)
    )
    if unit_codes:
        sample = ", ".join(sorted(unit_codes)[:5])
        problems.append(f"units with codes starting {DEMO_UNIT_CODE_PREFIX} exist: {sample}")
    usernames = set(demo_usernames(scale))
    taken = sorted(
        get_user_model()
        .objects.annotate(lowered=Lower("username"))
        .filter(lowered__in=usernames)
        .values_list("username", flat=True)
    )
    if taken:
        problems.append("accounts with demo usernames exist: " + ", ".join(taken))
    if problems:
        raise DemoError("; ".join(problems))


def build_demo_city(scale: int = 1, password: str = DEMO_PASSWORD) -> DemoSummary:
    """Create the demo city, its units and demo accounts; raise DemoAlreadyLoaded if present.

    One transaction: either everything is created or nothing is. Raises ValidationError if
    the password fails the password rules for any demo account.
    """
    _check_scale(scale)
    validate_demo_password(password, scale)
    started = time.perf_counter()
    with transaction.atomic(), acting_as(None, origin=DEMO_ORIGIN):
        if demo_city_exists():
            raise DemoAlreadyLoaded(f"{DEMO_CITY_NAME} ({DEMO_CITY_CODE}) is already loaded")
        _check_conflicts(scale)
        tree = _build_regions(scale)
        units = _build_units(tree, scale)
        users, memberships = _build_accounts(tree, units, scale, password)

        levels = {
            Region.Level.CITY: 1,
            Region.Level.DISTRICT: len(tree.districts),
            Region.Level.STREET: sum(len(s) for s in tree.streets),
            Region.Level.COMMUNITY: len(tree.communities),
            Region.Level.GRID: tree.grids,
        }
        city = tree.city
        common = {"object_id": str(city.pk), "object_repr": city.name}
        region_count = sum(levels.values())
        audit.record(
            "import",
            object_type="regions.region",
            after={
                "count": region_count,
                "scale": scale,
                "levels": {str(level): count for level, count in levels.items()},
            },
            message=f"演示数据：创建 {region_count} 个区域 / demo: {region_count} regions",
            **common,
        )
        audit.record(
            "import",
            object_type="regions.unit",
            after={"count": len(units), "scale": scale},
            message=f"演示数据：创建 {len(units)} 个单位 / demo: {len(units)} units",
            **common,
        )
        audit.record(
            "import",
            object_type="accounts.user",
            after={"count": len(users), "usernames": [u.username for u in users]},
            message=f"演示数据：创建 {len(users)} 个账号 / demo: {len(users)} accounts",
            **common,
        )
        audit.record(
            "import",
            object_type="regions.membership",
            after={"count": len(memberships)},
            message=f"演示数据：创建 {len(memberships)} 个角色 / demo: {len(memberships)} roles",
            **common,
        )
        summary = _summarise(city, password=password)
    summary.seconds = time.perf_counter() - started
    return summary


# Describing and removing ------------------------------------------------------------------


def _place_label(region: Region | None, unit: Unit | None, names_by_code: dict[str, str]) -> str:
    if unit is not None:
        return unit.name
    if region is None:
        return WHOLE_PLATFORM
    codes = region.ancestor_codes()
    # Below the city, a place reads like an address: 东湖区人民街道幸福里社区.
    parts = [names_by_code.get(code, code) for code in codes[1:]] or [region.name]
    return "".join(parts)


def _summarise(
    city: Region, *, password: str | None, created: bool = True, verify_password: bool = False
) -> DemoSummary:
    levels = dict(
        Region.objects.filter(path__startswith=city.path)
        .order_by()
        .values_list("level")
        .annotate(count=Count("id"))
    )
    units = Unit.objects.filter(region__path__startswith=city.path).count()
    users = sorted(
        demo_users().prefetch_related("memberships__region", "memberships__unit"),
        key=lambda user: _account_rank(user.username),
    )
    memberships = [m for user in users for m in user.memberships.all()]
    codes = {code for m in memberships if m.region for code in m.region.ancestor_codes()}
    names_by_code = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    accounts = []
    for user in users:
        held = sorted(user.memberships.all(), key=lambda m: m.pk)
        if user.is_superuser or not held:
            role, where = SUPERUSER_ROLE if user.is_superuser else "", WHOLE_PLATFORM
        else:
            role, where = held[0].role, _place_label(held[0].region, held[0].unit, names_by_code)
        accounts.append(DemoAccount(user.username, user.full_name, role, where, user.mobile or ""))
    if verify_password and password is not None and users and not users[0].check_password(password):
        password = None
    return DemoSummary(
        scale=max(1, levels.get(Region.Level.DISTRICT, 0) // DISTRICTS_PER_SCALE),
        regions_per_level={level: levels.get(level, 0) for level in Region.Level.values},
        units=units,
        users=len(users),
        memberships=len(memberships),
        accounts=accounts,
        password=password,
        created=created,
    )


def describe_demo_city(password: str | None = None) -> DemoSummary | None:
    """The loaded demo city's counts and accounts, or None if it is not loaded.

    `password` is reported back only if the demo accounts really have it.
    """
    city = demo_city()
    if city is None:
        return None
    return _summarise(city, password=password, created=False, verify_password=True)


# Models whose rows may go along with demo users when they are removed.
REMOVABLE_MODELS = {
    "regions.Region",
    "regions.Unit",
    "regions.Membership",
    "accounts.User",
    "accounts.ApiToken",
    "admin.LogEntry",
}


def remove_demo_city() -> dict[str, int]:
    """Delete the demo city, its units, the demo accounts and their roles; nothing else.

    Raises DemoError, deleting nothing, when other data depends on the demo (a role given
    to a real person in the demo city, a unit elsewhere beneath a demo unit, records that
    refer to a demo region) or when the deletion would reach any other kind of row.
    Returns the number of rows deleted per model label.
    """
    deleted: Counter = Counter()
    with transaction.atomic(), acting_as(None, origin=DEMO_ORIGIN):
        users = demo_users()
        regions = Region.objects.filter(path__startswith=DEMO_CITY_PATH)
        units = Unit.objects.filter(region__path__startswith=DEMO_CITY_PATH)
        steps = [Membership.objects.filter(user__in=users), users]
        steps += [units.filter(depth=depth) for depth in _depths(units)]
        steps += [regions.filter(depth=depth) for depth in _depths(regions)]
        for queryset in steps:
            try:
                _count, per_model = queryset.delete()
            except (ProtectedError, RestrictedError) as error:
                blocking = Counter(obj._meta.label for obj in error.args[1])
                listed = ", ".join(f"{label} × {count}" for label, count in blocking.items())
                raise DemoError(
                    f"other data depends on the demo city and would be lost: {listed}"
                ) from error
            deleted.update({label: n for label, n in per_model.items() if n})
        unexpected = set(deleted) - REMOVABLE_MODELS
        if unexpected:
            listed = ", ".join(f"{label} × {deleted[label]}" for label in sorted(unexpected))
            raise DemoError(f"removing the demo would also delete non-demo data: {listed}")
        for label, object_type in [
            ("regions.Region", "regions.region"),
            ("regions.Unit", "regions.unit"),
            ("accounts.User", "accounts.user"),
            ("regions.Membership", "regions.membership"),
        ]:
            if deleted.get(label):
                audit.record(
                    "delete",
                    object_type=object_type,
                    object_repr=DEMO_CITY_NAME,
                    after={"count": deleted[label]},
                    message=f"演示数据：删除 {deleted[label]} 条 / demo: {deleted[label]} removed",
                )
    return dict(deleted)


def _depths(queryset) -> list[int]:
    """Depths present, deepest first, so children go before their parents."""
    return sorted(set(queryset.values_list("depth", flat=True)), reverse=True)
