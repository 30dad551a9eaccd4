"""Demo complaints: five months of residents' complaints from every channel, in every state,
linked to the ledger, with replies and callbacks.

Complaints arrive in *incidents*: one estate, one focus problem, one start time; a supply
cut-off brings a dozen neighbours to the hotline, 12345 and the web within hours, a missing
notice one letter. The first complaint of an incident is accepted and opens a ledger problem
(or joins an open problem the ledger demo already holds for that estate and focus); the later
ones join that problem or are marked duplicates of the first, also across channels (the same
resident who posted on the web often calls 12345 too). Complaints outside the campaign are
rejected with the referral the resident reads. Problems opened by old complaints are carried
through rectification to close-out, and their complainants are called back; a dissatisfied
callback sends the problem back to rectification, exactly as the service does in production.

Everything is written through `propwatch.complaints.services` (and the ledger services). The
classifier runs once over all texts (`classify_many`) and each suggestion is handed to the
intake service, which would otherwise classify text by text. The services stamp "now"; the
`_Backdating` helper then moves the decision, reply and callback times back to the moments
the plan gives them.
"""

import datetime
import random
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from propwatch.accounts.choices import DepartmentKind as K
from propwatch.accounts.models import Department, User
from propwatch.complaints import routing, services
from propwatch.complaints.choices import CallbackMethod, Channel, Route, Satisfaction
from propwatch.complaints.classifier import classify_many
from propwatch.complaints.models import Callback, Complaint, ComplaintEvent
from propwatch.ledger import services as ledger
from propwatch.ledger.choices import State as ProblemState
from propwatch.ledger.models import Problem, ProblemEvent
from propwatch.registry.models import Project

from .ledger_demo import _png, _spread_timeline, _staff
from .names import GIVEN, SURNAMES

DEMO_COMPLAINTS = 3000
DAYS = 150  # five months
CHUNK = 150  # complaints per savepoint

# ---- texts --------------------------------------------------------------------------------------
# Placeholders: {I} the complainant (我 / 其 / 业主), {home} their household (我家 / 其家 / 业主家),
# {b} building, {u} unit, {d} days, {n} a number, {floor}, {price}, {fee1}/{fee2}, {p1}/{p2}, {amount}.

# (focus, route, what happened)
FACTS: list[tuple[int, str, str]] = [
    (1, "housing", "物业以{home}拖欠物业费为由，把{home}的自来水总阀关了，已经{d}天没水用"),
    (1, "housing", "物业说{I}没交物业费，把{home}的电卡锁了不让充值，家里只剩几度电"),
    (1, "housing", "物业对欠费住户实行限时供水，每天只在早上六点到八点供水，{home}有老人小孩，生活非常不便"),
    (1, "housing", "{I}对车位费有异议暂缓缴纳物业费，物业就注销了{home}的门禁卡和电梯卡，{I}住{floor}楼，只能爬楼"),
    (1, "housing", "物业以未交清物业费为由，不给{home}办理燃气开通手续，天冷了没法做饭洗澡"),
    (1, "housing", "供暖开始后物业以欠费为由关了{home}的暖气阀门，屋里只有十几度"),
    (1, "housing", "物业在{b}栋贴出通知，称未缴纳今年物业费的住户将被停水，前天起已对多户停水"),
    (1, "housing", "物业突然把{b}栋的二次供水泵停了，说这栋楼物业费收缴率太低，要等大家交齐才恢复供水，整栋楼已经{d}天没水"),
    (1, "housing", "物业派人拉了{home}的电闸还上了锁，说交了物业费才给开，冰箱里的东西都坏了"),
    (2, "housing", "物业把地下车库的{n}个公共车位划出来对外出租，收益去向不明"),
    (2, "housing", "{b}栋电梯轿厢里装满了广告屏，广告收入从来没有公示过"),
    (2, "housing", "物业把小区消防通道出租给商户摆摊，晚上烧烤油烟和噪音不断"),
    (2, "housing", "物业把{b}栋的架空层围起来改成仓库，出租给快递公司"),
    (2, "housing", "小区中心广场被物业出租给培训机构，搭了几间临时板房"),
    (2, "housing", "物业在{b}栋楼顶出租场地安装通信基站，业主不知情，也没见收益分配"),
    (2, "housing", "物业把绿化带挖了改成收费停车位，每月收{p1}元"),
    (2, "housing", "物业服务用房被物业改成棋牌室对外营业"),
    (2, "housing", "小区外墙被物业出租挂了大幅广告牌，挡住了{b}栋低层住户的采光"),
    (3, "police", "{I}在业主群里反映物业服务问题后，物业保安上门威胁{I}，说让{I}“小心点”"),
    (3, "police", "物业经理带着几个人堵在{home}门口催缴物业费，辱骂{I}，拍门一直到半夜"),
    (3, "police", "物业人员用胶水堵了{home}的门锁，还在门上喷了“欠费”两个字"),
    (3, "police", "{I}找物业理论停车收费的事，被物业保安推搡，手臂受伤"),
    (3, "police", "物业工作人员连续多天打电话恐吓{I}，说再不交钱就让{I}在小区住不下去"),
    (3, "police", "有人在{home}门口摆放花圈和冥币，{I}怀疑是物业因为欠费的事报复"),
    (3, "housing", "物业把欠费业主的姓名、房号、电话和欠费金额张贴在{b}栋大堂公告栏"),
    (3, "housing", "{I}刚办完交房手续就不断接到装修公司和中介的电话，对方能准确说出{home}房号，怀疑物业泄露了业主信息"),
    (3, "housing", "物业在三百多人的业主微信群里公布了欠费业主名单和手机号码"),
    (3, "housing", "物业门岗登记访客要求拍身份证，登记本随意放在岗亭桌上谁都能翻看"),
    (4, "housing", "物业服务合同上个月底已经到期，业主大会选聘了新物业，但原物业拒不撤离，也不移交物业服务用房和图纸资料"),
    (4, "housing", "物业公司突然贴出告示说要撤场，现在门岗没人，垃圾{d}天没清运，楼道里臭气熏天"),
    (4, "housing", "原物业撤离时把小区的监控主机和门禁系统都拆走了，也没有移交任何资料"),
    (4, "housing", "新物业进场被原物业的人拦在门外，双方发生冲突，小区现在没人管"),
    (4, "housing", "物业已经停止服务{d}天了，电梯坏了没人修，{b}栋的老人只能爬楼"),
    (4, "housing", "物业撤走前把公共收益账户里的钱转走了，业委会要求移交账目被拒绝"),
    (5, "housing", "小区公告栏里看不到物业服务收费项目和标准，问物业也说不清楚"),
    (5, "housing", "物业从来没有公示过公共收益的收支情况，停车费、广告费收了多少业主都不知道"),
    (5, "housing", "电梯维保单位和联系方式没有公示，电梯困人时业主不知道找谁"),
    (5, "housing", "物业的投诉电话和报修方式都没有公示，物业前台电话常年无人接听"),
    (5, "housing", "物业服务内容和服务标准没有公示，业主不知道交的钱包括哪些服务"),
    (5, "housing", "物业企业的备案信息和项目负责人没有在小区公示，业主连物业公司全称都不知道"),
    (6, "market", "物业转供电每度电收{price}元，比供电公司的电价高出不少"),
    (6, "market", "物业没有召开业主大会，就把物业费从每平方米{fee1}元涨到{fee2}元"),
    (6, "market", "物业强制收取装修保证金{amount}元和垃圾清运费，不交就不让装修工人进小区"),
    (6, "market", "物业按每户每月{n}元收电梯使用费，可电梯运行费用本来就包含在物业费里"),
    (6, "market", "小区停车费从每月{p1}元涨到{p2}元，没有公示也没有备案"),
    (6, "market", "物业代收水费的单价比自来水公司高，还另外加收{n}%的损耗费"),
    (6, "market", "物业补办门禁卡每张收{n}元工本费，还要求一次性预交一年物业费"),
]

DEMANDS = {  # what the complainant asks for: read after "诉求：" as well as on its own
    1: ["请督促物业立即恢复正常供应", "请物业马上恢复，不能用停水停电的办法催费", "物业费的事可以协商，但不能停水停电",
        "希望有关部门尽快处理，家里还有老人", "请依法查处物业这种做法"],
    2: ["请督促物业停止出租共用部位，公开收益", "希望有关部门查处，恢复原状", "请物业公示公共收益的去向",
        "请相关部门核查处理"],
    3: ["请公安机关依法处理", "物业应停止骚扰并赔礼道歉", "请有关部门查处，保护业主个人信息",
        "希望严肃处理相关人员"],
    4: ["请督促原物业尽快办理交接", "希望街道和住建部门尽快协调，小区不能没人管", "请督促原物业移交资料和账目",
        "请有关部门依法处理"],
    5: ["请督促物业按规定公示", "请物业公开收支明细", "希望有关部门督促整改"],
    6: ["请核查收费是否合规，退还多收的费用", "物业应按政府规定的价格收费", "请市场监管部门依法查处",
        "希望有关部门核查处理"],
}

# Outside the campaign: (text, reason the complainant reads). Some read like a focus problem
# (a grid outage, a mains burst) and are turned down after a check: hard cases for the classifier.
OUTSIDE: list[tuple[str, str]] = [
    ("楼上邻居每天晚上十一点以后还在跺脚、拖椅子，和邻居沟通多次没有结果",
     "不属于物业专项整治范围：邻里噪音纠纷已告知向所在社区申请人民调解，夜间噪音扰民可拨打 110 报警。"),
    ("交房才两年，{home}卫生间和外墙就开始渗水，开发商一直推诿",
     "不属于专项整治范围：房屋质量保修问题已告知向开发建设单位主张保修责任，或向区住建局房屋质量投诉窗口反映。"),
    ("小区门口马路上每天晚上都有流动摊贩占道经营，垃圾遍地",
     "不属于专项整治范围（小区外市政道路），已告知向城市管理部门反映（12319）。"),
    ("小区旁边的工地夜间施工，打桩声音吵得睡不着",
     "不属于专项整治范围，已告知向生态环境部门或城市管理执法部门反映夜间施工噪音。"),
    ("{I}买的房子交房三年了还办不下来不动产权证",
     "不属于专项整治范围，已告知向区不动产登记中心咨询办证进度。"),
    ("今天上午整个小区突然停电，物业说也不知道什么时候恢复",
     "经核实为供电公司线路检修计划停电，并非物业以催费为由停电，不属于专项整治范围，已告知可拨打 95598 咨询恢复时间。"),
    ("小区停水一整天了，物业也不提前通知",
     "经核实为供水企业市政管网抢修停水，非物业所为，不属于专项整治范围，已告知向供水企业咨询恢复时间。"),
    ("孩子上学的学区划分不合理，离家近的学校进不去",
     "不属于专项整治范围，已告知向区教育局反映。"),
    ("租的房子到期了，房东一直不退押金",
     "属于房屋租赁合同纠纷，不属于专项整治范围，已告知可向住房租赁管理部门反映或依法提起诉讼。"),
    ("小区里有人养大型犬不拴绳，吓到了小孩",
     "不属于专项整治范围，已告知向公安机关反映犬只管理问题，社区将协助开展文明养犬宣传。"),
    ("物业太差了，什么都不管",
     "投诉内容不明确（未说明具体事项），多次电话联系投诉人未接通，暂不予受理；可补充具体情况后重新投诉。"),
]

OUTLETS = ["《三峡晚报》", "《三峡日报》", "宜昌新闻网", "宜昌广播电视台《民生直通车》", "“宜昌发布”网友留言板"]

# (channel, frame): {fact} is the incident's fact, {demand} one of its focus's demands.
FRAMES = {
    Channel.WEB: [
        "我是{estate}{b}栋的业主，{fact}。{demand}！",
        "{estate}{b}栋{u}单元业主投诉：{fact}。{demand}。",
        "{fact}，打物业电话没人管，找社区也没用。{demand}。（{estate}）",
        "{estate}：{fact}！！！{demand}",
    ],
    Channel.HOTLINE: [
        "来电人反映：其居住在{county}{estate}{b}栋{u}单元，{fact}。来电人诉求：{demand}。",
        "来电人称，{county}{estate}{fact}。诉求：{demand}。",
    ],
    Channel.WORK_ORDER: [
        "市民来电反映：其居住的{county}{street}{estate}{b}栋{u}单元{room}室，{fact}。诉求：{demand}。",
        "来电人反映{county}{estate}（{address}）{fact}，来电人情绪激动。诉求：{demand}。",
    ],
    Channel.MAILBOX: [
        "举报内容：{estate}（{address}）{fact}。{demand}。",
        "举报{estate}物业：{fact}。举报人诉求：{demand}。",
    ],
    Channel.VISIT: [
        "来访人到{street}反映：其居住的{estate}{b}栋，{fact}。来访人诉求：{demand}。",
        "{estate}多名业主来访反映，{fact}。诉求：{demand}。",
    ],
    Channel.LETTER: [
        "尊敬的领导：您好！我是{estate}{b}栋{u}单元的业主，{fact}。{demand}，恳请领导重视。此致 敬礼！",
        "来信反映：{estate}{fact}。来信人诉求：{demand}。",
    ],
    Channel.MEDIA: [
        "{outlet}报道：近日，{county}{estate}多名业主反映，{fact}。记者现场走访核实了上述情况。{demand}。",
        "{outlet}网友留言：{estate}{fact}，{demand}。",
    ],
}
VOICE = {  # who "I" is in each channel's frames
    Channel.WEB: ("我", "我家"), Channel.LETTER: ("我", "我家"), Channel.HOTLINE: ("其", "其家"),
    Channel.WORK_ORDER: ("其", "其家"), Channel.VISIT: ("其", "其家"), Channel.MAILBOX: ("业主", "业主家"),
    Channel.MEDIA: ("业主", "业主家"),
}
# Short angry posts, by focus problem: a short post still says which problem it is about.
SHORT_WEB = {
    1: ["{estate}又停水了，物业说不交物业费就不给开，有人管吗？", "{estate}{b}栋停电两天了，物业说是欠费停的"],
    2: ["{estate}物业把架空层租出去开麻将馆，吵死了！", "{estate}消防通道被物业划成收费车位了"],
    3: ["{estate}物业天天打电话骚扰催费，还上门威胁", "{estate}物业把欠费业主名单贴在电梯里，还有电话号码"],
    4: ["{estate}物业一夜之间跑路了，垃圾没人收", "{estate}老物业赖着不走，不给新物业交接"],
    5: ["{estate}电梯广告收入从来不公示，钱去哪了？", "{estate}物业收费标准一直不公示，问了也不说"],
    6: ["{estate}物业乱收费，谁来管管！", "{estate}电费一度收一块三，物业转供电加价"],
}

REPLIES = {
    1: ["经{dept}核查，物业已恢复供应，并书面承诺不再以停水停电等方式催缴物业费；物业费争议可协商解决或依法诉讼。",
        "{dept}已约谈物业项目负责人，责令立即恢复供水供电，现已恢复。"],
    2: ["{dept}已责令物业停止违规出租共用部位，相关收益纳入公共收益并将公示。",
        "经{dept}现场核查，物业已拆除违规设置的设施，恢复共用部位原状。"],
    3: ["{dept}已介入调查，对相关人员进行了批评教育，并责令物业规范催费行为。",
        "{dept}已责令物业撤除张贴的业主信息，约谈相关人员，并要求物业落实信息保护措施。"],
    4: ["{dept}已组织新老物业办理交接，过渡期间由社区组织应急服务。",
        "经{dept}协调，原物业已同意移交物业服务用房和相关资料。"],
    5: ["{dept}已责令物业在小区显著位置公示相关信息，我们将复查公示情况。",
        "物业已按{dept}要求补充公示，公示内容可在小区公告栏查看。"],
    6: ["{dept}已立案核查收费情况，违规收取的费用将责令退还。",
        "经{dept}核查，物业已停止收取相关费用，并将多收部分退还业主。"],
}
INTERNAL_NOTES = ["已电话联系投诉人，约定上门核实", "已通知物业项目负责人到街道说明情况", "已调取物业收费台账核对",
                  "现场核查属实，已拍照留存"]
CALLBACK_NOTES = {
    Satisfaction.SATISFIED: ["投诉人表示问题已解决，对处理结果满意", ""],
    Satisfaction.BASIC: ["投诉人表示问题基本解决，希望加强后续监督", "已解决，但处理时间偏长"],
    Satisfaction.DISSATISFIED: ["投诉人称物业整改后又出现同样问题", "投诉人表示物业只是口头答应，实际没有整改",
                                "投诉人认为处理结果没有落实到位"],
}
# A fixed rhythm rather than a draw, so that even a small demo has callbacks of each kind.
SATISFACTION_CYCLE = [Satisfaction.SATISFIED, Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.SATISFIED,
                      Satisfaction.DISSATISFIED, Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.SATISFIED]

CHANNEL_WEIGHTS = {Channel.WORK_ORDER: 34, Channel.WEB: 26, Channel.HOTLINE: 20, Channel.MAILBOX: 6,
                   Channel.VISIT: 6, Channel.LETTER: 4, Channel.MEDIA: 4}
FOCUS_WEIGHTS = {0: 35, 1: 22, 2: 14, 3: 10, 4: 6, 5: 12, 6: 22}
ROUTE_FOR_FOCUS = {1: Route.HOUSING, 2: Route.HOUSING, 4: Route.HOUSING, 5: Route.HOUSING, 6: Route.MARKET}


def supply_cut_texts(count: int, seed: int = 1) -> list[str]:
    """Varied complaints of one supply cut-off (used by the surge benchmark)."""
    rng = random.Random(seed)
    facts = [f for focus, _route, f in FACTS if focus == 1]
    out = []
    for _ in range(count):
        frame = rng.choice(FRAMES[Channel.WEB])
        fact = rng.choice(facts)
        out.append(_fill(frame, rng, fact=_fill(fact, rng, I="我", home="我家"), demand=rng.choice(DEMANDS[1]),
                         estate="滨江花园"))
    return out


def _fill(template: str, rng: random.Random, **known) -> str:
    values = {
        "b": rng.randint(1, 32), "u": rng.randint(1, 4), "room": f"{rng.randint(1, 33)}0{rng.randint(1, 4)}",
        "d": rng.randint(2, 6), "n": rng.choice([5, 10, 20, 30, 50]), "floor": rng.randint(9, 32),
        "price": rng.choice(["0.85", "0.9", "1.0", "1.2"]), "fee1": rng.choice(["1.2", "1.5", "1.8"]),
        "fee2": rng.choice(["2.2", "2.5", "2.8"]), "p1": rng.choice([120, 150, 200]),
        "p2": rng.choice([260, 300, 350]), "amount": rng.choice([2000, 3000, 5000]),
        "I": "我", "home": "我家", "estate": "", "county": "", "street": "", "address": "", "outlet": "",
    }
    values.update(known)
    return template.format(**values)


# ---- the plan -----------------------------------------------------------------------------------

@dataclass
class Planned:
    """One complaint to file: who, when, how, and what should become of it."""

    channel: str
    received_at: datetime.datetime
    text: str
    name: str = ""
    phone: str = ""
    confidential: bool = False
    address: str = ""
    work_order_no: str | None = None
    decide: str = "pending"  # pending | open | join | duplicate | reject
    complaint: Complaint | None = None


@dataclass
class Incident:
    """One thing that happened on one estate and the complaints it brought."""

    project: Project
    focus: int  # 0 = outside the campaign
    route: str
    start: datetime.datetime
    reason: str = ""  # rejection reason, for focus 0
    ledger_problem: Problem | None = None  # an open ledger-demo problem the complaints join
    complaints: list[Planned] = field(default_factory=list)


def _person(rng: random.Random, channel: str) -> tuple[str, str, bool]:
    """(name, phone, confidential): about 30 % anonymous and 10 % confidential overall."""
    anonymous = {Channel.WEB: 0.45, Channel.MAILBOX: 0.6, Channel.LETTER: 0.3, Channel.MEDIA: 1.0,
                 Channel.WORK_ORDER: 0.08, Channel.HOTLINE: 0.2, Channel.VISIT: 0.05}[channel]
    if rng.random() < anonymous:
        return "", "", False
    surname = rng.choice(SURNAMES)
    if rng.random() < 0.6:
        name = surname + rng.choice(["女士", "先生"])
    else:
        name = surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))
    phone = f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"
    if rng.random() < 0.05:
        phone = f"0717-{rng.randint(6_000_000, 6_999_999)}"
    if rng.random() < 0.15:
        name = ""  # a number only: typical of 12345
    elif rng.random() < 0.05:
        phone = ""
    return name, phone, rng.random() < 0.14


class _Planner:
    def __init__(self, rng: random.Random, now: datetime.datetime, projects, company_projects, xiling_projects,
                 open_problems):
        self.rng, self.now = rng, now
        self.projects, self.company_projects, self.xiling_projects = projects, company_projects, xiling_projects
        self.open_problems = open_problems
        self.work_order_seq: dict[datetime.date, int] = {}
        self.incidents = 0

    def _project(self) -> Project:
        r = self.rng.random()
        if r < 0.08 and self.company_projects:
            return self.rng.choice(self.company_projects)
        if r < 0.2 and self.xiling_projects:
            return self.rng.choice(self.xiling_projects)
        return self.rng.choice(self.projects)  # the registry is already weighted to the busy counties

    def _start(self) -> datetime.datetime:
        rng = self.rng
        days_ago = rng.uniform(0, 3) if rng.random() < 0.1 else rng.triangular(3, DAYS, 30)
        at = self.now - datetime.timedelta(days=days_ago)
        local = timezone.localtime(at)
        hour = rng.choice([8, 9, 9, 10, 10, 11, 14, 15, 15, 16, 17, 19, 21, 22])
        at = local.replace(hour=hour, minute=rng.randint(0, 59), second=rng.randint(0, 59))
        return min(at, self.now - datetime.timedelta(minutes=30))

    def _work_order_no(self, at: datetime.datetime) -> str:
        day = timezone.localdate(at)
        seq = self.work_order_seq.get(day) or self.rng.randint(1, 200)
        self.work_order_seq[day] = seq + self.rng.randint(1, 30)
        return f"YC12345-{day:%Y%m%d}-{seq:05d}"

    def incident(self) -> Incident:
        rng = self.rng
        forced_channel = list(CHANNEL_WEIGHTS)[self.incidents] if self.incidents < len(CHANNEL_WEIGHTS) else None
        self.incidents += 1
        start = self._start()
        ledger_problem = None
        if rng.random() < 0.4 and self.open_problems:
            ledger_problem = rng.choice(self.open_problems)
            found = timezone.make_aware(datetime.datetime.combine(ledger_problem.found_on, datetime.time(10)))
            start = min(found + datetime.timedelta(hours=rng.uniform(2, 240)), self.now - datetime.timedelta(hours=1))
            focus = ledger_problem.focus
            project = ledger_problem.project
        else:
            focus = rng.choices(list(FOCUS_WEIGHTS), weights=list(FOCUS_WEIGHTS.values()))[0]
            project = self._project()
        if focus == 0:
            text, reason = rng.choice(OUTSIDE)
            incident = Incident(project, 0, Route.NONE, start, reason=reason)
            fact, size = text, rng.choice([1, 1, 2, 3])
        else:
            route, fact = rng.choice([(r, f) for f_, r, f in FACTS if f_ == focus])
            incident = Incident(project, focus, route, start, ledger_problem=ledger_problem)
            # Supply cut-offs and abandoned estates bring many neighbours; a missing notice, few.
            size = (rng.choice([1, 2, 4, 6, 10, 16, 30]) if focus in (1, 4)
                    else rng.choice([1, 2, 2, 3, 4, 6]))
        window_hours = 12 if focus in (1, 4) else 72
        county = project.community.parent.parent.name
        street = project.community.parent.name
        previous: Planned | None = None
        for i in range(size):
            channel = forced_channel if i == 0 and forced_channel else rng.choices(
                list(CHANNEL_WEIGHTS), weights=list(CHANNEL_WEIGHTS.values()))[0]
            at = start if i == 0 else start + datetime.timedelta(hours=rng.uniform(0.2, window_hours))
            at = min(at, self.now - datetime.timedelta(minutes=rng.randint(10, 90)))
            name, phone, confidential = _person(rng, channel)
            b, u = rng.randint(1, 32), rng.randint(1, 4)
            repeat = previous is not None and previous.channel != channel and rng.random() < 0.3
            if repeat:
                # The same resident again, by another channel: a duplicate across channels.
                name, phone, confidential = previous.name, previous.phone, previous.confidential
            me, home = VOICE[channel]
            estate = project.name
            text = _fill(rng.choice(FRAMES[channel]), rng, fact=_fill(fact, rng, I=me, home=home, b=b),
                         demand=rng.choice(DEMANDS.get(focus, ["请有关部门处理"])), estate=estate, county=county,
                         street=street, address=project.address, outlet=rng.choice(OUTLETS), b=b, u=u)
            if channel == Channel.WEB and focus and rng.random() < 0.12:
                text = _fill(rng.choice(SHORT_WEB[focus]), rng, estate=estate, b=b)
            planned = Planned(channel=channel, received_at=at, text=text, name=name, phone=phone,
                              confidential=confidential and bool(name or phone),
                              address=f"{project.address}{b}栋{u}单元" if channel != Channel.MEDIA else project.address,
                              work_order_no=self._work_order_no(at) if channel == Channel.WORK_ORDER else None)
            planned.decide = self._decision(incident, planned, first=i == 0, repeat=repeat)
            incident.complaints.append(planned)
            previous = planned
        incident.complaints.sort(key=lambda p: p.received_at)
        first = incident.complaints[0]
        if first.decide in ("duplicate", "join"):  # sorting moved a later one first
            first.decide = "open" if focus else "reject"
        if first.decide == "pending":
            for later in incident.complaints[1:]:
                if later.decide in ("duplicate", "join"):
                    later.decide = "pending"  # staff decide the first one before its followers
        return incident

    def _decision(self, incident: Incident, planned: Planned, *, first: bool, repeat: bool) -> str:
        rng = self.rng
        age_days = (self.now - planned.received_at).total_seconds() / 86400
        # Recent complaints wait for a decision; a few older ones have been left past their deadline.
        if age_days < 1.5 and rng.random() < 0.8 or (6 < age_days < 20 and rng.random() < 0.05):
            return "pending"
        if incident.focus == 0:
            return "reject"
        if first:
            return "join" if incident.ledger_problem else "open"
        if repeat:
            return "duplicate"
        return rng.choices(["duplicate", "join"], weights=[45, 55])[0]

    def plan(self, count: int) -> list[Incident]:
        incidents, total = [], 0
        while total < count:
            incident = self.incident()
            incident.complaints = incident.complaints[: count - total]
            total += len(incident.complaints)
            incidents.append(incident)
        return sorted(incidents, key=lambda i: i.start)


# ---- shaping the timeline -----------------------------------------------------------------------

class _Backdating:
    """Demo data shaping, and the only place that rewrites history: the services stamp every event
    and decision with the real time of the load; this moves them back to the moments the plan
    gives them (UPDATE statements, never `.save()`), so the demo reads like five months of work.

    Complaint events and fields are collected and written once per chunk; problem timelines are
    written at once, because a callback reads the (back-dated) close-out time of its problem.
    """

    def __init__(self):
        self.received: list[int] = []  # every complaint filed: created_at becomes received_at
        self.event_times: dict[int, list[datetime.datetime]] = {}  # complaint → times of its later events
        self.fields: dict[int, dict] = {}
        self.callbacks: dict[int, datetime.datetime] = {}

    def filed(self, complaint: Complaint) -> None:
        self.received.append(complaint.pk)

    def event(self, complaint: Complaint, at: datetime.datetime, **fields) -> None:
        """The next event the services wrote for `complaint` happened at `at`; set these fields too."""
        self.event_times.setdefault(complaint.pk, []).append(at)
        self.fields.setdefault(complaint.pk, {}).update(fields)

    def callback(self, callback: Callback, at: datetime.datetime) -> None:
        self.callbacks[callback.pk] = at

    @staticmethod
    def problem(problem: Problem, start: datetime.datetime, end: datetime.datetime) -> None:
        _spread_timeline(problem, start, end)
        if problem.closed_at:
            # _spread_timeline copies the close-out time from the events it read before moving them
            # (still "now"): take it from the moved close-out event instead.
            closed = ProblemEvent.objects.filter(problem=problem).order_by("-at", "-id").values_list("at", flat=True)
            Problem.objects.filter(pk=problem.pk).update(closed_at=closed.first())

    @staticmethod
    def problem_reopened(problem: Problem, at: datetime.datetime) -> None:
        last = ProblemEvent.objects.filter(problem=problem).order_by("-id").values_list("pk", flat=True).first()
        ProblemEvent.objects.filter(pk=last).update(at=at)

    def flush(self) -> None:
        Complaint.objects.filter(pk__in=self.received).update(created_at=F("received_at"))
        event_at: dict[int, datetime.datetime] = {}
        position: dict[int, int] = {}
        rows = (ComplaintEvent.objects.filter(complaint_id__in=list(self.event_times)).exclude(kind="receive")
                .order_by("complaint_id", "id").values_list("id", "complaint_id"))
        for pk, complaint_id in rows:
            i = position.get(complaint_id, 0)
            position[complaint_id] = i + 1
            times = self.event_times[complaint_id]
            event_at[pk] = times[min(i, len(times) - 1)]
        _set_column(ComplaintEvent, "at", event_at)
        for name in ("decided_at", "replied_at"):
            _set_column(Complaint, name, {pk: f[name] for pk, f in self.fields.items() if name in f})
        _set_column(Callback, "at", self.callbacks)
        self.__init__()


def _set_column(model, name: str, values: dict[int, datetime.datetime]) -> None:
    """UPDATE one datetime column of many rows in one executemany (bulk_update's CASE is slow here)."""
    if not values:
        return
    ops = connection.ops
    sql = (f"UPDATE {ops.quote_name(model._meta.db_table)} SET {ops.quote_name(model._meta.get_field(name).column)}"
           f" = %s WHERE {ops.quote_name(model._meta.pk.column)} = %s")
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(ops.adapt_datetimefield_value(at), pk) for pk, at in values.items()])


# ---- carrying the plan out ----------------------------------------------------------------------

class _People:
    """The staff who take in, decide and handle complaints on a project, personas where they fit."""

    def __init__(self, personas: dict[str, User]):
        self.personas = personas
        self.by_dept = {u.department_id: u for u in (personas.get(n) for n in (
            "city_admin", "xiling_housing", "wujiagang_housing", "xiling_street", "police_xiling", "market_xiling"))
            if u is not None}
        self.city = personas["city_admin"]
        self.company_id = getattr(personas["company_demo"].department, "company_id", None)
        self._offices: dict[int, tuple[User, User, User]] = {}
        self._routes: dict[tuple[int, str], Department | None] = {}

    def user_of(self, dept: Department, tag: str = "") -> User:
        """The department's persona, else its demo colleague (the same accounts the ledger demo uses)."""
        if dept.pk not in self.by_dept:
            tag = tag or {K.STREET_OFFICE: "street", K.HOUSING: "housing"}.get(dept.kind, "handler")
            self.by_dept[dept.pk] = _staff(dept, tag)
        return self.by_dept[dept.pk]

    def offices(self, project: Project) -> tuple[User, User, User]:
        """(street office user, county housing user, a second county housing user) for the project."""
        street = project.community.parent
        if street.pk not in self._offices:
            county = street.parent
            street_dept = Department.objects.filter(kind=K.STREET_OFFICE, region=street).first()
            county_dept = Department.objects.filter(kind=K.HOUSING, region=county).first()
            self._offices[street.pk] = (self.user_of(street_dept), self.user_of(county_dept),
                                        _staff(county_dept, "verifier"))
        return self._offices[street.pk]

    def route(self, project: Project, route: str) -> Department | None:
        """The default handling department (`routing.default_department`), looked up once per street."""
        key = (project.community.parent_id, route)
        if key not in self._routes:
            self._routes[key] = routing.default_department(project, route)[0]
        return self._routes[key]

    def company_user(self, project: Project) -> User | None:
        return self.personas["company_demo"] if project.company_id and project.company_id == self.company_id else None

    def registrar(self, rng: random.Random, channel: str, project: Project) -> User | None:
        street_user, county_user, _ = self.offices(project)
        if channel == Channel.WEB:
            return None
        if channel == Channel.MEDIA or (channel == Channel.HOTLINE and rng.random() < 0.3):
            return self.city
        if channel == Channel.VISIT and rng.random() < 0.7:
            return street_user
        return county_user


def _between(rng: random.Random, start: datetime.datetime, hours: tuple[float, float],
             limit: datetime.datetime) -> datetime.datetime:
    return min(start + datetime.timedelta(hours=rng.uniform(*hours)), limit)


class _Loader:
    def __init__(self, personas: dict[str, User], rng: random.Random, now: datetime.datetime):
        self.people = _People(personas)
        self.rng, self.now = rng, now
        self.backdate = _Backdating()
        self.callbacks = 0

    def run(self, incidents: list[Incident], suggestions: dict[int, object]) -> int:
        made, pending = 0, []
        for incident in incidents:
            pending.append(incident)
            made += len(incident.complaints)
            if sum(len(i.complaints) for i in pending) >= CHUNK:
                self._chunk(pending, suggestions)
                pending = []
        if pending:
            self._chunk(pending, suggestions)
        return made

    def _chunk(self, incidents: list[Incident], suggestions) -> None:
        with transaction.atomic():
            for incident in incidents:
                self._incident(incident, suggestions)
            self.backdate.flush()

    def _incident(self, incident: Incident, suggestions) -> None:
        rng, now, bd = self.rng, self.now, self.backdate
        project = incident.project
        street_user, county_user, colleague = self.people.offices(project)
        # Police and market matters become county-level problems: the county housing bureau, which
        # supervises those, decides them; street offices decide most housing matters.
        housing = incident.route in (Route.HOUSING, Route.NONE)
        decider = street_user if housing and rng.random() < 0.6 else county_user
        for planned in incident.complaints:
            planned.complaint = services._create(
                actor=self.people.registrar(rng, planned.channel, project), channel=planned.channel,
                project=project, text=planned.text, name=planned.name, phone=planned.phone,
                confidential=planned.confidential, address=planned.address, received_at=planned.received_at,
                work_order_no=planned.work_order_no, suggestion=suggestions[id(planned)])
            bd.filed(planned.complaint)
        first = incident.complaints[0]
        problem, opened, last_decision = None, False, first.received_at
        for planned in incident.complaints:
            if planned.decide == "pending":
                continue
            c = planned.complaint
            at = _between(rng, max(planned.received_at, last_decision), (1, 30), now - datetime.timedelta(minutes=5))
            if planned.decide == "reject":
                c = services.reject_complaint(actor=decider, complaint=c, version=c.version, reason=incident.reason,
                                              focus=0, route=Route.NONE)
                bd.event(c, at, decided_at=at, replied_at=at)
            elif planned.decide == "duplicate":
                c = services.mark_duplicate(actor=decider, complaint=c, version=c.version, original=first.complaint,
                                            note="同一小区同一问题，合并办理")
                bd.event(c, at, decided_at=at, replied_at=at)  # the merge notice is its answer
            else:
                join = problem or incident.ledger_problem  # the first opens (or joins the ledger's), the rest join
                c = services.accept_complaint(actor=decider, complaint=c, version=c.version, focus=incident.focus,
                                              route=incident.route, join_problem=join,
                                              department=None if join else self.people.route(project, incident.route))
                opened = opened or join is None
                problem = c.problem
                bd.event(c, at, decided_at=at)
            planned.complaint = c
            last_decision = at
        if problem is None:
            return
        accepted = [p.complaint for p in incident.complaints if p.decide in ("open", "join")]
        handler = self.people.user_of(accepted[0].handling_department)
        end = self._drive(problem, handler, street_user, county_user, colleague, last_decision) if opened else None
        for i, c in enumerate(accepted):
            self._replies(c, handler, incident, problem, end or now, first=i == 0)
        if end is not None and problem.state == ProblemState.CLOSED:
            self._callbacks(incident, problem, end, decider)

    def _drive(self, problem: Problem, handler: User, street_user: User, county_user: User, colleague: User,
               decided: datetime.datetime) -> datetime.datetime:
        """Carry a problem opened by complaints as far as its age allows; back-date its timeline."""
        rng, now = self.rng, self.now
        age = (now - decided).days
        if age < 3:
            target = ProblemState.ASSIGNED
        elif age < 20:
            target = rng.choices([ProblemState.ASSIGNED, ProblemState.RECTIFYING, ProblemState.AWAITING_VERIFICATION,
                                  ProblemState.CLOSED], weights=[2, 5, 3, 4])[0]
        else:
            target = rng.choices([ProblemState.RECTIFYING, ProblemState.AWAITING_VERIFICATION, ProblemState.CLOSED],
                                 weights=[1, 1, 12])[0]
        company_user = self.people.company_user(problem.project)
        p = problem
        if target != ProblemState.ASSIGNED:
            p = ledger.start_rectification(actor=company_user or handler, problem=p, version=p.version)
        if target in (ProblemState.AWAITING_VERIFICATION, ProblemState.CLOSED):
            submitter = company_user or handler
            p = ledger.submit_rectification(actor=submitter, problem=p, version=p.version,
                                            note="已按要求整改完毕，附整改后现场照片", files=[_png(rng)])
        if target == ProblemState.CLOSED:
            checker = county_user if county_user.pk != p.submitted_by_id else colleague
            p = ledger.close_problem(actor=checker, problem=p, version=p.version, note="现场核验，整改到位，予以销号")
        span_days = rng.uniform(1, max(1.5, min(age - 1, 25))) if target != ProblemState.ASSIGNED else 0.2
        end = min(decided + datetime.timedelta(days=span_days), now - datetime.timedelta(hours=2))
        self.backdate.problem(p, decided, end)
        problem.refresh_from_db()
        return end

    def _replies(self, c: Complaint, handler: User, incident: Incident, problem: Problem,
                 end: datetime.datetime, first: bool) -> None:
        rng, now = self.rng, self.now
        decided = self.backdate.fields.get(c.pk, {}).get("decided_at") or c.received_at
        if rng.random() < 0.08:
            services.reply_complaint(actor=handler, complaint=c, text=rng.choice(INTERNAL_NOTES), public=False)
            self.backdate.event(c, _between(rng, decided, (1, 8), now))
        if (now - decided).days < 2 and rng.random() < 0.6:
            return  # not answered yet
        if rng.random() < (0.9 if first else 0.4):
            text = rng.choice(REPLIES[incident.focus]).format(dept=c.handling_department.name)
            at = min(decided + (max(end, decided) - decided) * rng.uniform(0.3, 0.9)
                     + datetime.timedelta(hours=2), now - datetime.timedelta(minutes=1))
            services.reply_complaint(actor=handler, complaint=c, text=text, public=True)
            self.backdate.event(c, at, replied_at=at)

    def _callbacks(self, incident: Incident, problem: Problem, closed: datetime.datetime, caller: User) -> None:
        rng, now = self.rng, self.now
        for planned in incident.complaints:
            c = planned.complaint
            if planned.decide not in ("open", "join", "duplicate") or c.is_anonymous or rng.random() < 0.75:
                continue
            problem.refresh_from_db(fields=["state", "closed_at"])
            if problem.state != ProblemState.CLOSED:
                return  # a dissatisfied callback sent it back to rectification
            satisfaction = SATISFACTION_CYCLE[self.callbacks % len(SATISFACTION_CYCLE)]
            self.callbacks += 1
            method = (CallbackMethod.ONLINE if c.channel == Channel.WEB and rng.random() < 0.5
                      else rng.choice([CallbackMethod.PHONE] * 4 + [CallbackMethod.SMS, CallbackMethod.VISIT]))
            callback = services.record_callback(actor=caller, complaint=c, satisfaction=satisfaction, method=method,
                                                note=rng.choice(CALLBACK_NOTES[satisfaction]))
            at = _between(rng, closed, (3, 96), now - datetime.timedelta(minutes=1))
            self.backdate.callback(callback, at)
            self.backdate.event(c, at)
            if satisfaction == Satisfaction.DISSATISFIED:
                self.backdate.problem_reopened(problem, at)


def load_complaints(personas: dict[str, User], count: int | None = None, seed: int = 2026) -> int:
    """File `count` (default DEMO_COMPLAINTS) demo complaints through the services; nothing when
    complaints exist already. Returns how many were filed."""
    if Complaint.objects.exists():
        return 0
    count = DEMO_COMPLAINTS if count is None else count
    rng = random.Random(seed)
    now = timezone.now()
    projects = list(Project.objects.select_related("community__parent__parent").filter(company__isnull=False)
                    .order_by("code"))
    if not projects:
        return 0
    people_company = getattr(personas["company_demo"].department, "company_id", None)
    company_projects = [p for p in projects if p.company_id == people_company]
    xiling = [p for p in projects if p.community.parent.parent.code == "420502"]
    open_problems = list(Problem.objects.exclude(state=ProblemState.CLOSED).exclude(responsible_department=None)
                         .select_related("project__community__parent__parent").order_by("pk"))
    incidents = _Planner(rng, now, projects, company_projects, xiling, open_problems).plan(count)
    planned = [p for incident in incidents for p in incident.complaints]
    # One batched classification instead of one model call per complaint inside the intake service.
    suggestions = dict(zip((id(p) for p in planned), classify_many([p.text for p in planned]), strict=True))
    made = _Loader(personas, rng, now).run(incidents, suggestions)
    # The new problems notified their handlers after commit (weeks of notifications at once):
    # like the ledger demo, leave each user's latest few unread, in one pass over the unread rows.
    transaction.on_commit(_mark_old_notifications_read, robust=True)
    return made


def _mark_old_notifications_read(keep: int = 8) -> None:
    from propwatch.notifications.models import Notification

    seen: dict[int, int] = {}
    older = []
    for pk, user_id in (Notification.objects.filter(read_at__isnull=True).order_by("user_id", "-created_at", "-id")
                        .values_list("pk", "user_id").iterator(chunk_size=2000)):
        seen[user_id] = seen.get(user_id, 0) + 1
        if seen[user_id] > keep:
            older.append(pk)
    now = timezone.now()
    for i in range(0, len(older), 500):
        Notification.objects.filter(pk__in=older[i:i + 500]).update(read_at=now)
