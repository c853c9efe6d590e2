"""A sample assessment framework (示范测评体系), and the writer of framework workbooks.

The sample is shaped like the national 全国文明城市测评体系 (2021 edition, cities at
prefecture level and above): ten assessment items, their indicators and contents, 100
points in all, split roughly 40 document review / 40 field assessment / 20 survey. Every
name and standard below is written in this project's own words as an example; it is not
the official text and must not be used as the basis of a real assessment.

Lead and responsible units are the demo city's department codes (wenming/regions/demo.py,
scale 1), so the sample imports straight into the demo city.

The sample is written by the same workbook writer as any framework
(wenming/framework/exporters.py); `build_workbook_bytes` adds the sample's notice,
properties and fixed timestamps. Run `python -m wenming.framework.sample` to regenerate
wenming/framework/data/sample_framework.xlsx and its copy docs/sample_framework.xlsx.
"""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from wenming.framework.columns import LIST_SEPARATORS, split_list
from wenming.framework.exporters import COLUMN_KEYS, LIST_JOINER, framework_workbook

SAMPLE_FRAMEWORK_NAME = "示范测评体系（样例，非官方）"
SAMPLE_EDITION_YEAR = 2021
SAMPLE_DESCRIPTION = (
    "样例，非官方：按全国文明城市测评体系（2021年版，地级以上城市）的结构自行编写的示范测评体系，"
    "不是官方测评体系或操作手册的原文，仅供试用和演示。"
)
# Fixed so that regenerating the sample gives the same workbook properties.
SAMPLE_TIMESTAMP = datetime.datetime(2021, 1, 1, 0, 0, 0)

PACKAGE_DIR = Path(__file__).resolve().parent
SAMPLE_FILE_PATH = PACKAGE_DIR / "data" / "sample_framework.xlsx"
DOCS_SAMPLE_FILE_PATH = PACKAGE_DIR.parents[1] / "docs" / "sample_framework.xlsx"


# The 26 site types (点位类型) of the 2021 operations manual, in its order.
SITE_TYPES = (
    "主次干道",
    "背街小巷",
    "居民小区",
    "农贸市场",
    "商业大街",
    "大型商场超市",
    "公园广场",
    "车站码头",
    "机场",
    "医院",
    "学校周边",
    "政务服务大厅",
    "银行网点",
    "景区景点",
    "图书馆文化馆",
    "博物馆纪念馆",
    "体育场馆",
    "影剧院",
    "建筑工地",
    "公共厕所",
    "网吧",
    "宾馆酒店",
    "餐饮门店",
    "城中村",
    "城乡结合部",
    "新时代文明实践中心(所、站)",
)
PRACTICE_SITE = SITE_TYPES[-1]

UNIT_PREFIX = "SF-"
GRADES = "A=100;B=80;C=60"
CENT = Decimal("0.01")


# A site type's own name may hold a separator: "新时代文明实践中心(所、站)".
split_site_types = split_list


# The content ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleContent:
    """A level-3 node (测评内容) with its standard and how it is scored."""

    name: str
    standard: str
    methods: tuple[str, ...]
    points: Decimal
    scoring_rule: str
    rule_parameters: str = ""
    lead_unit: str = ""
    responsible_units: tuple[str, ...] = ()
    site_types: tuple[str, ...] = ()
    veto_effect: str = ""
    veto_value: Decimal | None = None
    local_code: str = ""


@dataclass(frozen=True)
class SampleIndicator:
    """A level-2 node (测评指标); its points are the sum of its contents'."""

    name: str
    contents: tuple[SampleContent, ...]

    @property
    def points(self) -> Decimal:
        return sum((content.points for content in self.contents), Decimal(0))


@dataclass(frozen=True)
class SampleItem:
    """A level-1 node (测评项目); its points are the sum of its indicators'."""

    name: str
    indicators: tuple[SampleIndicator, ...]

    @property
    def points(self) -> Decimal:
        return sum((indicator.points for indicator in self.indicators), Decimal(0))


def _points(text: str) -> Decimal:
    return Decimal(text).quantize(CENT)


def _units(codes: str) -> tuple[str, ...]:
    return tuple(UNIT_PREFIX + code for code in codes.split())


def _field(name, points, sites, standard, lead, also="", per=None, methods=(), local=""):
    """A field-check content: by share of passing sites, or `per` points off per finding."""
    return SampleContent(
        name=name,
        standard=standard,
        methods=("实地考察", *methods),
        points=_points(points),
        scoring_rule="按问题扣分" if per else "合格点位比例",
        rule_parameters=f"每处扣分={per}" if per else "",
        lead_unit=UNIT_PREFIX + lead,
        responsible_units=_units(also),
        site_types=tuple(sites.split()),
        local_code=local,
    )


def _review(name, points, standard, lead, also="", grades=GRADES, method="材料审核", **extra):
    """A document-review (or online-report) content graded A/B/C."""
    return SampleContent(
        name=name,
        standard=standard,
        methods=(method, *extra.pop("methods", ())),
        points=_points(points),
        scoring_rule="等级评定",
        rule_parameters=grades,
        lead_unit=UNIT_PREFIX + lead,
        responsible_units=_units(also),
        **extra,
    )


def _online(name, points, standard, lead, also="", grades=GRADES, **extra):
    return _review(name, points, standard, lead, also, grades, method="网上申报", **extra)


def _statistic(name, points, target, standard, lead, also=""):
    """A statistic measured against a target value."""
    return SampleContent(
        name=name,
        standard=standard,
        methods=("数据采集",),
        points=_points(points),
        scoring_rule="数据对标",
        rule_parameters=f"目标值={target}",
        lead_unit=UNIT_PREFIX + lead,
        responsible_units=_units(also),
    )


def _survey(name, points, target, standard, lead="WMB", also=""):
    """A survey rate (知晓率, 满意率 …), optionally against a target percentage."""
    return SampleContent(
        name=name,
        standard=standard,
        methods=("问卷调查",),
        points=_points(points),
        scoring_rule="问卷比率",
        rule_parameters=f"目标值={target}" if target else "",
        lead_unit=UNIT_PREFIX + lead,
        responsible_units=_units(also),
    )


SAMPLE_ITEMS: tuple[SampleItem, ...] = (
    SampleItem(
        "理想信念教育",
        (
            SampleIndicator(
                "理论武装与学习制度",
                (
                    _review(
                        "党委（党组）理论学习中心组学习",
                        "0.8",
                        "理论学习中心组制定年度学习计划，每季度至少集中学习研讨一次，"
                        "学习记录和研讨发言材料完整可查。",
                        "WMB",
                    ),
                    _review(
                        "党员干部教育培训",
                        "0.8",
                        "把党的创新理论列为干部培训必修课程，年度培训计划、课程安排和参训名单齐全。",
                        "WMB",
                        "JYJ",
                    ),
                    _review(
                        "基层理论宣讲",
                        "0.8",
                        "组建市、区、街道三级宣讲队伍，经常开展贴近群众的微宣讲，"
                        "每场活动有照片、有记录、有群众反馈。",
                        "WMB",
                        "WLJ",
                        methods=("网上申报",),
                    ),
                ),
            ),
            SampleIndicator(
                "理想信念与爱国主义教育",
                (
                    _field(
                        "爱国主义教育基地开放",
                        "1.0",
                        "博物馆纪念馆",
                        "教育基地按规定免费开放，展陈内容准确规范，有讲解服务，场馆设施整洁完好。",
                        "WLJ",
                        "JYJ",
                    ),
                    _online(
                        "重要节点主题教育",
                        "0.8",
                        "围绕重大纪念日和传统节日组织主题教育活动，"
                        "活动方案、开展情况和参与人数按时在平台申报。",
                        "WMB",
                        "JYJ WLJ",
                    ),
                    _field(
                        "国旗规范升挂",
                        "0.5",
                        "政务服务大厅 公园广场",
                        "升挂国旗的场所国旗规格统一，无破损、无褪色，升挂时间和位置符合规定。",
                        "WMB",
                        per="0.1",
                    ),
                ),
            ),
            SampleIndicator(
                "主题宣传与公益广告",
                (
                    _field(
                        "公益广告设置",
                        "1.0",
                        "主次干道 商业大街 公园广场 车站码头 建筑工地",
                        "街道、广场、车站和工地围挡设置讲文明树新风公益广告，"
                        "内容积极向上、画面整洁无破损，数量和占比达到要求。",
                        "WMB",
                        "CGJ ZJJ JTYSJ",
                    ),
                    _online(
                        "主流媒体专题宣传",
                        "0.6",
                        "市级主要媒体开设创建专栏，常态刊播理论宣传和文明创建内容，有栏目清单和刊播记录。",
                        "WMB",
                    ),
                    _survey(
                        "市民对党的创新理论宣传的知晓率",
                        "1.5",
                        85,
                        "随机抽取市民问卷调查，了解对党的创新理论和重大主题宣传的知晓情况。",
                    ),
                ),
            ),
        ),
    ),
    SampleItem(
        "社会主义核心价值观建设",
        (
            SampleIndicator(
                "核心价值观宣传教育",
                (
                    _review(
                        "核心价值观融入法规和市民公约",
                        "0.8",
                        "推动核心价值观要求写入地方性法规、市民公约和村规民约，有修订清单和落实情况说明。",
                        "WMB",
                    ),
                    _field(
                        "核心价值观主题公园和街区",
                        "1.0",
                        "公园广场 商业大街",
                        "建有核心价值观主题公园或主题街区，标识规范、内容准确，设施维护良好。",
                        "WMB",
                        "CGJ",
                    ),
                    _survey(
                        "市民对社会主义核心价值观的知晓认同率",
                        "2.0",
                        90,
                        "随机抽取市民问卷调查，了解对核心价值观基本内容的知晓和认同程度。",
                    ),
                ),
            ),
            SampleIndicator(
                "道德模范与先进典型",
                (
                    _review(
                        "道德模范和身边好人评选宣传",
                        "0.8",
                        "定期开展道德模范、身边好人推荐评议，程序公开规范，先进事迹通过媒体和阵地广泛宣传。",
                        "WMB",
                    ),
                    _review(
                        "先进典型礼遇帮扶",
                        "0.6",
                        "建立礼遇帮扶制度，对生活困难的先进典型及时走访慰问并落实帮扶措施，有台账可查。",
                        "WMB",
                        "WJW",
                    ),
                    _field(
                        "好人榜和善行义举榜",
                        "0.6",
                        f"居民小区 {PRACTICE_SITE}",
                        "社区和文明实践站设置好人榜或善行义举榜，内容定期更新，无过期、无破损。",
                        "WMB",
                        per="0.1",
                    ),
                ),
            ),
            SampleIndicator(
                "家庭家教家风与移风易俗",
                (
                    _review(
                        "文明家庭创建",
                        "0.6",
                        "开展文明家庭、最美家庭评选和家风家训宣传活动，有方案、有名单、有活动记录。",
                        "WMB",
                    ),
                    _review(
                        "婚丧事宜新办简办",
                        "0.6",
                        "社区（村）普遍建立红白理事会，有婚丧事宜简办的约束性规定，"
                        "无大操大办和封建迷信活动。",
                        "WMB",
                        "WLJ",
                        methods=("实地考察",),
                        site_types=("城中村", "城乡结合部"),
                    ),
                    _online(
                        "传统节日文化活动",
                        "0.6",
                        "利用春节、清明、端午、中秋、重阳等节日开展民俗文化活动，活动信息按时申报。",
                        "WLJ",
                        "WMB",
                    ),
                ),
            ),
        ),
    ),
    SampleItem(
        "诚信建设",
        (
            SampleIndicator(
                "政务诚信",
                (
                    _review(
                        "政府守信践诺",
                        "0.8",
                        "政府部门公开承诺的事项按期兑现，无拖欠企业账款、违约毁约等失信行为。",
                        "WMB",
                        "SWJ",
                    ),
                    _field(
                        "政务服务窗口诚信服务",
                        "1.0",
                        "政务服务大厅",
                        "大厅公开办事指南、收费标准和办理时限，一次性告知到位，无推诿刁难、吃拿卡要。",
                        "WMB",
                        "SCJGJ",
                    ),
                ),
            ),
            SampleIndicator(
                "商务诚信",
                (
                    _field(
                        "明码标价与计量诚信",
                        "1.2",
                        "农贸市场 大型商场超市 商业大街 餐饮门店",
                        "经营场所明码标价、计量器具检定合格，市场设有公平秤，无缺斤短两、价格欺诈。",
                        "SCJGJ",
                        "SWJ",
                        per="0.2",
                    ),
                    _review(
                        "消费维权",
                        "0.6",
                        "消费投诉渠道畅通，投诉按时办结并回访，开展放心消费示范创建。",
                        "SCJGJ",
                    ),
                    _field(
                        "诚信经营宣传",
                        "0.6",
                        "农贸市场 大型商场超市 银行网点",
                        "经营场所和银行网点设置诚信宣传内容，公示诚信经营承诺和投诉电话。",
                        "SCJGJ",
                        "SWJ",
                    ),
                ),
            ),
            SampleIndicator(
                "社会信用体系",
                (
                    _statistic(
                        "信用信息按时公示率",
                        "0.8",
                        95,
                        "行政许可和行政处罚信用信息在规定时限内归集公示，按时公示率（%）达到目标值。",
                        "SCJGJ",
                        "CGJ STHJJ",
                    ),
                    _review(
                        "守信激励与失信惩戒",
                        "0.8",
                        "建立守信激励和失信惩戒措施清单并落实联合奖惩，典型案例材料完整。",
                        "SCJGJ",
                        "SWJ",
                    ),
                    _online(
                        "信用修复与诚信教育",
                        "0.6",
                        "信用修复流程公开、办理及时，面向企业和市民开展诚信教育活动，信息按时申报。",
                        "SCJGJ",
                    ),
                    _survey(
                        "市民对诚信建设的满意率",
                        "1.5",
                        85,
                        "随机抽取市民问卷调查，了解对政务、商务和社会诚信状况的满意程度。",
                        "SCJGJ",
                    ),
                ),
            ),
        ),
    ),
    SampleItem(
        "法治建设",
        (
            SampleIndicator(
                "法治政府建设",
                (
                    _review(
                        "重大行政决策程序",
                        "0.8",
                        "重大行政决策履行公众参与、专家论证、风险评估、合法性审查和集体讨论程序，档案齐全。",
                        "WMB",
                    ),
                    _online(
                        "行政执法公示",
                        "0.8",
                        "执法公示、执法全过程记录和重大执法决定法制审核落实到位，执法信息按时公开。",
                        "CGJ",
                        "SCJGJ STHJJ JJZD",
                    ),
                ),
            ),
            SampleIndicator(
                "普法宣传教育",
                (
                    _review(
                        "普法责任制落实",
                        "0.6",
                        "落实“谁执法谁普法”，各部门普法责任清单向社会公开，年度普法工作有计划、有总结。",
                        "WMB",
                        "JYJ",
                    ),
                    _field(
                        "法治文化阵地",
                        "0.8",
                        "公园广场 居民小区",
                        "建有法治文化公园、法治广场或法治宣传栏，内容定期更新，设施完好。",
                        "WMB",
                        "CGJ",
                    ),
                ),
            ),
            SampleIndicator(
                "平安建设",
                (
                    _statistic(
                        "重点公共区域视频监控覆盖率",
                        "0.8",
                        95,
                        "车站、广场、学校周边等重点公共区域视频监控覆盖率（%）达到目标值。",
                        "JJZD",
                        "JTYSJ",
                    ),
                    _review(
                        "安全生产与重大事故防范",
                        "0.8",
                        "安全生产责任制落实，隐患排查整治台账完整；"
                        "年度内发生重大及以上安全生产责任事故的，取消当年参评资格。",
                        "ZJJ",
                        "JTYSJ SCJGJ",
                        veto_effect="取消资格",
                    ),
                    _field(
                        "消防与施工安全",
                        "1.0",
                        "建筑工地 大型商场超市 宾馆酒店 网吧",
                        "消防通道畅通，灭火器材完好有效，工地安全防护到位，无违规用火用电。",
                        "ZJJ",
                        "SCJGJ WLJ",
                        per="0.2",
                    ),
                    _survey(
                        "市民安全感",
                        "2.0",
                        90,
                        "随机抽取市民问卷调查，了解对社会治安和出行安全的感受。",
                        "JJZD",
                    ),
                ),
            ),
        ),
    ),
    SampleItem(
        "公共文明",
        (
            SampleIndicator(
                "公共场所秩序",
                (
                    _field(
                        "窗口服务规范",
                        "1.0",
                        "政务服务大厅 银行网点 医院",
                        "窗口单位设置便民服务设施和无障碍设施，工作人员使用文明用语，群众排队有序。",
                        "WMB",
                        "WJW",
                    ),
                    _field(
                        "交通场站秩序",
                        "1.0",
                        "车站码头 机场",
                        "站内外无拉客、无乱停车，候车区域整洁，引导标识清楚，设有志愿服务岗。",
                        "JTYSJ",
                        "JJZD CGJ",
                    ),
                    _field(
                        "商场和文体场所秩序",
                        "1.0",
                        "大型商场超市 影剧院 体育场馆",
                        "顾客排队有序、不大声喧哗，安全出口畅通，禁烟标识醒目。",
                        "SCJGJ",
                        "WLJ",
                    ),
                ),
            ),
            SampleIndicator(
                "交通文明",
                (
                    _field(
                        "机动车礼让行人",
                        "1.2",
                        "主次干道",
                        "机动车行经人行横道减速礼让行人，无乱鸣喇叭、无违法停车。",
                        "JJZD",
                        per="0.2",
                    ),
                    _field(
                        "行人和非机动车守法",
                        "1.2",
                        "主次干道 商业大街",
                        "行人、非机动车各行其道，无闯红灯、逆行、翻越护栏，电动自行车骑乘人员佩戴头盔。",
                        "JJZD",
                        per="0.2",
                    ),
                    _field(
                        "停车秩序",
                        "1.0",
                        "主次干道 背街小巷 居民小区",
                        "机动车、非机动车按规定停放，无占用人行道、盲道和消防通道停车。",
                        "JJZD",
                        "CGJ ZJJ",
                        per="0.1",
                    ),
                    _review(
                        "公交文明服务",
                        "0.6",
                        "公交车辆整洁、报站规范，老幼病残孕专座标识清楚，驾驶员文明行车，有考核记录。",
                        "JTYSJ",
                    ),
                ),
            ),
            SampleIndicator(
                "文明旅游与文明餐桌",
                (
                    _field(
                        "景区文明旅游",
                        "1.0",
                        "景区景点",
                        "景区设置文明旅游提示，游客无乱刻乱画、乱扔垃圾，游览秩序良好，投诉处理及时。",
                        "WLJ",
                    ),
                    _field(
                        "文明餐桌与节约用餐",
                        "1.0",
                        "餐饮门店 宾馆酒店",
                        "餐饮单位张贴节约用餐提示，提供小份菜和打包服务，公筷公勺摆放到位。",
                        "SCJGJ",
                        "SWJ",
                        per="0.1",
                    ),
                    _field(
                        "宾馆酒店服务规范",
                        "0.6",
                        "宾馆酒店",
                        "前台公示收费标准和服务承诺，大堂和客房整洁，服务人员文明礼貌。",
                        "SWJ",
                        "WLJ",
                    ),
                ),
            ),
            SampleIndicator(
                "网络文明",
                (
                    _review(
                        "网络文明建设",
                        "0.8",
                        "开展网络文明宣传活动，培育传播正能量的网络内容，政务新媒体账号管理规范。",
                        "WMB",
                    ),
                    _field(
                        "网吧规范经营",
                        "0.8",
                        "网吧",
                        "网吧不接纳未成年人，上网实名登记，场所内无吸烟现象。",
                        "WLJ",
                        per="0.2",
                    ),
                    _review(
                        "网络舆情引导与处置",
                        "0.6",
                        "建立舆情监测研判和快速处置机制；因处置失当引发与创建工作相关的重大负面舆情，"
                        "每起按否决值扣分。",
                        "WMB",
                        veto_effect="扣分",
                        veto_value=Decimal("2.00"),
                    ),
                    _survey(
                        "市民对公共文明状况的评价",
                        "1.5",
                        85,
                        "随机抽取市民问卷调查，了解对公共场所秩序、交通文明和网络文明的总体评价。",
                    ),
                ),
            ),
        ),
    ),
    SampleItem(
        "生态文明与城市环境",
        (
            SampleIndicator(
                "市容市貌",
                (
                    _field(
                        "主次干道市容",
                        "1.2",
                        "主次干道",
                        "路面平整洁净，无占道经营、无乱贴乱画，店招店牌规范，护栏和路灯等设施完好。",
                        "CGJ",
                        per="0.2",
                        local="SF-06-01",
                    ),
                    _field(
                        "背街小巷环境",
                        "1.2",
                        "背街小巷",
                        "路面硬化、无坑洼积水，无乱堆乱放、乱搭乱建，垃圾日产日清，照明设施完好。",
                        "CGJ",
                        "ZJJ",
                        per="0.2",
                        local="SF-06-02",
                    ),
                    _field(
                        "商业大街环境",
                        "1.0",
                        "商业大街",
                        "无出店经营和噪声扰民，户外广告设置规范，沿街门店落实门前责任区制度。",
                        "CGJ",
                        "SCJGJ",
                        per="0.1",
                        local="SF-06-03",
                    ),
                    _field(
                        "城中村和城乡结合部整治",
                        "1.0",
                        "城中村 城乡结合部",
                        "无违法建设和露天焚烧，垃圾集中收运，道路和排水设施基本完好，村容整洁。",
                        "ZJJ",
                        "CGJ",
                        local="SF-06-04",
                    ),
                    _field(
                        "建筑工地管理",
                        "1.0",
                        "建筑工地",
                        "工地围挡封闭，出入口车辆冲洗干净，裸土覆盖，无扬尘和渣土撒漏。",
                        "ZJJ",
                        "STHJJ CGJ",
                        per="0.2",
                        local="SF-06-05",
                    ),
                ),
            ),
            SampleIndicator(
                "环境卫生",
                (
                    _field(
                        "农贸市场环境秩序",
                        "1.5",
                        "农贸市场",
                        "农贸市场划行归市，地面无积水、无垃圾，活禽销售与宰杀区域隔离，门前无占道经营。",
                        "SCJGJ",
                        "SWJ CGJ",
                        per="0.2",
                        local="SF-06-06",
                    ),
                    _field(
                        "公共厕所",
                        "1.0",
                        "公共厕所",
                        "公厕有专人保洁，无明显异味，设施完好，指引标识清楚，设有无障碍厕位。",
                        "CGJ",
                        local="SF-06-07",
                    ),
                    _field(
                        "生活垃圾分类投放",
                        "1.0",
                        "居民小区 大型商场超市",
                        "分类投放设施配置齐全、标识清晰，有人值守或督导，无混投混运。",
                        "CGJ",
                        "ZJJ",
                        per="0.1",
                        local="SF-06-08",
                    ),
                    _statistic(
                        "居民小区生活垃圾分类覆盖率",
                        "0.6",
                        90,
                        "开展生活垃圾分类的居民小区占全部居民小区的比例（%）达到目标值。",
                        "CGJ",
                        "ZJJ",
                    ),
                    _review(
                        "病媒生物防制",
                        "0.6",
                        "病媒生物密度控制在国家标准要求以内，防制工作有计划、有监测记录。",
                        "WJW",
                        "CGJ",
                    ),
                ),
            ),
            SampleIndicator(
                "公共卫生与健康",
                (
                    _field(
                        "医疗机构环境与就诊秩序",
                        "1.0",
                        "医院",
                        "院区整洁，预检分诊和就诊流程清楚，就诊秩序良好，无烟医院要求落实。",
                        "WJW",
                        local="SF-06-09",
                    ),
                    _field(
                        "公共场所控烟",
                        "1.0",
                        "医院 影剧院 宾馆酒店 餐饮门店",
                        "室内公共场所张贴禁烟标识，无吸烟者，无烟具摆放，有劝阻吸烟的工作人员。",
                        "WJW",
                        "WLJ SCJGJ",
                        per="0.1",
                        local="SF-06-10",
                    ),
                    _online(
                        "健康教育与健康促进",
                        "0.6",
                        "开展健康知识进社区、进学校活动，市民健康素养监测按时开展，活动信息按时申报。",
                        "WJW",
                        "JYJ",
                    ),
                ),
            ),
            SampleIndicator(
                "生态环境与群众感受",
                (
                    _statistic(
                        "空气质量优良天数比例",
                        "0.8",
                        85,
                        "全年空气质量优良天数比例（%）达到目标值。",
                        "STHJJ",
                    ),
                    _statistic(
                        "城市生活污水集中收集处理率",
                        "0.8",
                        95,
                        "城市生活污水集中收集处理率（%）达到目标值。",
                        "ZJJ",
                        "STHJJ",
                    ),
                    _field(
                        "公园绿地养护",
                        "1.0",
                        "公园广场",
                        "公园绿地养护到位，无黄土裸露和枯死苗木，园内设施完好，游园秩序良好。",
                        "CGJ",
                        local="SF-06-11",
                    ),
                    _review(
                        "绿色生活创建",
                        "0.6",
                        "开展节约型机关、绿色社区、绿色出行等创建活动，有方案、有记录、有成效。",
                        "STHJJ",
                        "JTYSJ",
                    ),
                    _survey(
                        "市民对城市环境的满意率",
                        "2.0",
                        85,
                        "随机抽取市民问卷调查，了解对市容环境、环境卫生和生态环境的满意程度。",
                        "CGJ",
                        "STHJJ",
                    ),
                ),
            ),
            SampleIndicator(
                "居民小区管理",
                (
                    _field(
                        "居民小区环境",
                        "1.2",
                        "居民小区",
                        "小区内无乱堆乱放、飞线充电和私搭乱建，绿化养护良好，楼道整洁通畅。",
                        "ZJJ",
                        "CGJ",
                        per="0.1",
                        local="SF-06-12",
                    ),
                    _review(
                        "物业服务管理",
                        "0.6",
                        "物业服务企业公示服务内容和收费标准，业主投诉按时处理，老旧小区有人管理。",
                        "ZJJ",
                    ),
                ),
            ),
        ),
    ),
    SampleItem(
        "文化建设与新时代文明实践",
        (
            SampleIndicator(
                "新时代文明实践阵地",
                (
                    _field(
                        "文明实践中心（所、站）建设",
                        "1.2",
                        PRACTICE_SITE,
                        "实践中心、所、站有固定场所、有队伍、有制度、有活动，标识统一，开放时间公示。",
                        "WMB",
                        methods=("网上申报",),
                    ),
                    _online(
                        "文明实践活动常态开展",
                        "0.8",
                        "围绕理论宣讲、移风易俗、关爱帮扶等常态开展实践活动，活动信息按月录入平台。",
                        "WMB",
                    ),
                    _review(
                        "群众点单与中心派单",
                        "0.8",
                        "建立群众点单、中心派单、志愿者接单、群众评单机制，订单响应及时、评价可查。",
                        "WMB",
                    ),
                ),
            ),
            SampleIndicator(
                "公共文化服务",
                (
                    _field(
                        "图书馆和文化馆服务",
                        "1.2",
                        "图书馆文化馆",
                        "按规定免费开放，开放时间公示，馆内环境整洁安静，服务人员文明规范。",
                        "WLJ",
                    ),
                    _field(
                        "博物馆和体育场馆开放",
                        "1.0",
                        "博物馆纪念馆 体育场馆",
                        "博物馆纪念馆免费开放，公共体育场馆按规定免费或低收费向社会开放，设施安全完好。",
                        "WLJ",
                        "JYJ",
                    ),
                    _review(
                        "基层综合性文化服务中心",
                        "0.6",
                        "街道和社区综合性文化服务中心场地、设备、人员到位，活动安排向群众公示。",
                        "WLJ",
                    ),
                    _online(
                        "全民阅读",
                        "0.6",
                        "建设城市书房和社区阅读点，常态开展读书活动，活动情况按时申报。",
                        "WLJ",
                        "JYJ",
                    ),
                ),
            ),
            SampleIndicator(
                "群众文化与文化市场",
                (
                    _online(
                        "群众性文化活动",
                        "0.8",
                        "组织广场文化、社区文化节等群众性文化活动，活动信息和参与人数按时申报。",
                        "WLJ",
                    ),
                    _field(
                        "文化经营场所规范",
                        "0.8",
                        "影剧院 网吧",
                        "文化经营场所证照齐全，无违规经营，安全出口畅通，疏散标识清楚。",
                        "WLJ",
                        per="0.1",
                    ),
                    _statistic(
                        "公共文化设施免费开放率",
                        "0.6",
                        100,
                        "应免费开放的公共文化设施中实际免费开放的比例（%）达到目标值。",
                        "WLJ",
                    ),
                    _survey(
                        "市民对公共文化服务的满意率",
                        "1.5",
                        85,
                        "随机抽取市民问卷调查，了解对公共文化设施和文化活动的满意程度。",
                        "WLJ",
                    ),
                ),
            ),
        ),
    ),
    SampleItem(
        "未成年人思想道德建设",
        (
            SampleIndicator(
                "学校德育",
                (
                    _review(
                        "德育工作体系",
                        "0.8",
                        "学校把德育贯穿教育教学全过程，思政课开齐开足，有德育工作计划和实施记录。",
                        "JYJ",
                    ),
                    _review(
                        "文明校园创建",
                        "0.8",
                        "开展文明校园创建，校风教风学风良好，校园环境整洁，创建档案完整。",
                        "JYJ",
                    ),
                    _online(
                        "劳动教育与社会实践",
                        "0.6",
                        "中小学落实劳动教育课时，组织学生参加社会实践和志愿服务，情况按学期申报。",
                        "JYJ",
                    ),
                ),
            ),
            SampleIndicator(
                "校园周边环境",
                (
                    _field(
                        "校园周边秩序",
                        "1.2",
                        "学校周边",
                        "学校周边无流动摊贩和违规经营场所，上下学时段交通有序，设有护学岗。",
                        "JYJ",
                        "JJZD SCJGJ WLJ",
                        per="0.2",
                    ),
                    _field(
                        "校园周边食品和文具安全",
                        "1.0",
                        "学校周边",
                        "周边店铺不销售“三无”食品和不良读物，不向未成年人出售烟酒。",
                        "SCJGJ",
                        "JYJ",
                        per="0.1",
                    ),
                ),
            ),
            SampleIndicator(
                "家庭教育与关爱服务",
                (
                    _review(
                        "家庭教育指导",
                        "0.6",
                        "学校和社区建立家长学校，定期开展家庭教育指导，有课程安排和参与记录。",
                        "JYJ",
                        "WMB",
                    ),
                    _review(
                        "留守儿童和困境儿童关爱",
                        "0.6",
                        "建立留守儿童和困境儿童信息台账，落实结对关爱和帮扶措施。",
                        "JYJ",
                        "WJW",
                    ),
                    _field(
                        "未成年人活动阵地",
                        "1.0",
                        f"图书馆文化馆 {PRACTICE_SITE}",
                        "设有少年儿童阅览区或活动室，节假日和课后常态开展活动，安全管理到位。",
                        "WLJ",
                        "JYJ",
                    ),
                ),
            ),
            SampleIndicator(
                "心理健康与网络保护",
                (
                    _review(
                        "心理健康教育",
                        "0.6",
                        "学校配备心理健康教师，设置心理辅导室，建立学生心理问题筛查和转介机制。",
                        "JYJ",
                        "WJW",
                    ),
                    _online(
                        "未成年人网络保护",
                        "0.6",
                        "开展网络素养教育和防沉迷宣传，清理有害信息的工作情况按时申报。",
                        "JYJ",
                        "WLJ",
                    ),
                    _survey(
                        "学生和家长对成长环境的满意率",
                        "1.5",
                        85,
                        "抽取中小学生和家长问卷调查，了解对学校教育和校园周边环境的满意程度。",
                        "JYJ",
                    ),
                ),
            ),
        ),
    ),
    SampleItem(
        "志愿服务",
        (
            SampleIndicator(
                "志愿服务组织体系",
                (
                    _review(
                        "志愿服务组织网络",
                        "0.8",
                        "建立市、区、街道、社区四级志愿服务组织网络，形成“1+10+N”队伍体系，制度健全。",
                        "WMB",
                    ),
                    _statistic(
                        "注册志愿者占城市常住人口比例",
                        "1.0",
                        13,
                        "在全国志愿服务信息系统注册的志愿者占城市常住人口的比例（%）达到目标值。",
                        "WMB",
                    ),
                    _online(
                        "志愿服务信息记录",
                        "0.6",
                        "志愿者、组织、项目和服务时长在信息系统中规范记录，数据及时更新。",
                        "WMB",
                    ),
                ),
            ),
            SampleIndicator(
                "志愿服务活动",
                (
                    _review(
                        "志愿服务项目化运作",
                        "0.8",
                        "培育品牌志愿服务项目，项目有方案、有团队、有经费、有评估。",
                        "WMB",
                    ),
                    _online(
                        "关爱帮扶志愿服务",
                        "0.6",
                        "面向老年人、残疾人、留守儿童等群体常态开展关爱服务，活动信息按时申报。",
                        "WMB",
                        "WJW JYJ",
                    ),
                    _statistic(
                        "有服务记录的注册志愿者比例",
                        "0.6",
                        60,
                        "一年内有服务时长记录的注册志愿者占注册志愿者总数的比例（%）达到目标值。",
                        "WMB",
                    ),
                ),
            ),
            SampleIndicator(
                "志愿服务阵地与激励",
                (
                    _field(
                        "志愿服务站（岗）",
                        "1.0",
                        "车站码头 机场 医院 景区景点 公园广场",
                        "人流密集场所设置志愿服务站（岗），标识清楚、人员在岗，提供问询指引等服务。",
                        "WMB",
                        "JTYSJ WJW WLJ",
                    ),
                    _review(
                        "志愿者激励与保障",
                        "0.6",
                        "建立星级认定、积分兑换等激励制度，为志愿者购买保险，有落实记录。",
                        "WMB",
                    ),
                    _survey(
                        "市民参与志愿服务的比率",
                        "1.5",
                        50,
                        "随机抽取市民问卷调查，了解一年内参加过志愿服务的市民比例。",
                    ),
                ),
            ),
        ),
    ),
    SampleItem(
        "创建工作机制与群众满意度",
        (
            SampleIndicator(
                "组织领导",
                (
                    _review(
                        "创建领导机制",
                        "0.8",
                        "党委政府主要负责同志牵头创建工作，领导小组定期研究部署，年度专题会议记录齐全。",
                        "WMB",
                    ),
                    _review(
                        "经费和人员保障",
                        "0.6",
                        "创建经费列入财政预算，文明办机构和人员配备到位，有预算文件和人员名单。",
                        "WMB",
                    ),
                ),
            ),
            SampleIndicator(
                "常态长效机制",
                (
                    _online(
                        "问题整改闭环",
                        "0.8",
                        "测评、督查和群众反映的问题建立台账，按期整改并反馈，整改情况按月申报。",
                        "WMB",
                        "CGJ ZJJ",
                    ),
                    _review(
                        "网格化管理与包保责任",
                        "0.8",
                        "创建任务分解到单位和网格，包保责任明确，督查通报制度落实。",
                        "WMB",
                    ),
                    _statistic(
                        "交办问题按期整改率",
                        "0.8",
                        95,
                        "年度内交办问题在规定时限内整改完成的比例（%）达到目标值。",
                        "WMB",
                    ),
                    _review(
                        "申报材料真实性",
                        "0.6",
                        "申报材料和数据真实准确、来源可查；发现弄虚作假的，当年测评总成绩以否决值为上限。",
                        "WMB",
                        veto_effect="封顶",
                        veto_value=Decimal("60.00"),
                    ),
                ),
            ),
            SampleIndicator(
                "群众满意度",
                (
                    _survey(
                        "市民对创建工作的知晓率",
                        "1.5",
                        90,
                        "随机抽取市民问卷调查，了解对本市正在创建全国文明城市的知晓程度。",
                    ),
                    _survey(
                        "市民对创建工作的支持率",
                        "1.5",
                        90,
                        "随机抽取市民问卷调查，了解对创建工作的支持和参与意愿。",
                    ),
                    _survey(
                        "市民对创建工作的满意率",
                        "2.0",
                        85,
                        "随机抽取市民问卷调查，了解对创建成效的总体满意程度。",
                    ),
                ),
            ),
        ),
    ),
)


# Rows ---------------------------------------------------------------------------------------


def sample_rows() -> list[list]:
    """One row per level-3 content, in FRAMEWORK_COLUMNS order, parents repeated."""
    rows = []
    indicator_number = content_number = 0
    for item_number, item in enumerate(SAMPLE_ITEMS, start=1):
        for indicator in item.indicators:
            indicator_number += 1
            for content in indicator.contents:
                content_number += 1
                values = {
                    "item_code": f"Ⅰ-{item_number}",
                    "item_name": item.name,
                    "item_points": item.points,
                    "indicator_code": f"Ⅱ-{indicator_number}",
                    "indicator_name": indicator.name,
                    "indicator_points": indicator.points,
                    "content_code": f"Ⅲ-{content_number}",
                    "content_name": content.name,
                    "standard": content.standard,
                    "methods": LIST_JOINER.join(content.methods),
                    "points": content.points,
                    "scoring_rule": content.scoring_rule,
                    "rule_parameters": content.rule_parameters,
                    "lead_unit": content.lead_unit,
                    "responsible_units": LIST_JOINER.join(content.responsible_units),
                    "site_types": LIST_JOINER.join(content.site_types),
                    "veto_effect": content.veto_effect,
                    "veto_value": content.veto_value,
                    "local_code": content.local_code,
                }
                rows.append([values[key] for key in COLUMN_KEYS])
    return rows


SAMPLE_NOTES = [
    SAMPLE_FRAMEWORK_NAME,
    "这是什么：平台自带的示范测评体系，结构参照全国文明城市测评体系（2021年版，地级以上城市），"
    "共 {items} 个测评项目、{indicators} 个测评指标、{contents} 条测评内容，总分 {total} 分；"
    "测评方法大致按材料审核与网上申报约40分、实地考察约40分、问卷调查约20分分配。",
    "非官方文本：全部名称和测评标准均由本项目用自己的话编写，仅作示例，"
    "不是官方测评体系或操作手册的原文，不能作为实际测评依据。",
    "单位编码：牵头单位和责任单位使用演示城市“示范市”的单位编码"
    "（如 SF-CGJ 城管局、SF-WMB 文明办），导入前请先加载演示城市，或把编码替换为本市单位编码。",
    "如何导入：在平台的测评体系导入功能中上传本文件；读取第一个工作表“测评体系”，"
    "第1行为表头，第2行起每行一条测评内容，合并的项目、指标单元格对其下各行有效。"
    "导入后可按本市实际修改、复制为本市测评体系。",
]


def _sample_notes() -> list[str]:
    contents = sum(
        len(indicator.contents) for item in SAMPLE_ITEMS for indicator in item.indicators
    )
    indicators = sum(len(item.indicators) for item in SAMPLE_ITEMS)
    total = sum((item.points for item in SAMPLE_ITEMS), Decimal(0))
    facts = {"items": len(SAMPLE_ITEMS), "indicators": indicators, "contents": contents}
    return [line.format(total=f"{total:.2f}", **facts) for line in SAMPLE_NOTES]


def build_workbook_bytes(rows=None, **options) -> bytes:
    """The sample workbook; with `rows`, those rows in the same layout (see exporters)."""
    if rows is not None:
        return framework_workbook(rows, **options)
    options.setdefault("title", SAMPLE_FRAMEWORK_NAME)
    options.setdefault("description", SAMPLE_DESCRIPTION)
    options.setdefault("notes", _sample_notes())
    options.setdefault("timestamp", SAMPLE_TIMESTAMP)
    return framework_workbook(sample_rows(), is_sample=True, **options)


def write_sample_file(path) -> Path:
    """Write the sample workbook to `path`, creating its folder; return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(build_workbook_bytes())
    return path


def points_by_method(rows=None) -> dict[str, Decimal]:
    """Points per first-listed method, e.g. {"实地考察": Decimal("40.00"), …}."""
    index = COLUMN_KEYS.index
    totals: dict[str, Decimal] = {}
    for row in sample_rows() if rows is None else rows:
        method = re.split(f"[{re.escape(LIST_SEPARATORS)}]", row[index("methods")])[0]
        totals[method] = totals.get(method, Decimal(0)) + Decimal(str(row[index("points")]))
    return totals


if __name__ == "__main__":
    for target in (SAMPLE_FILE_PATH, DOCS_SAMPLE_FILE_PATH):
        print(f"wrote {write_sample_file(target)}")
