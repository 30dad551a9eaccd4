from django.db import models


class Channel(models.TextChoices):
    WEB = "web", "网上投诉"  # the public site or the public API
    HOTLINE = "hotline", "投诉电话"  # the campaign's published hotline
    WORK_ORDER = "work_order", "12345 工单"  # imported from the city's 12345 platform
    MAILBOX = "mailbox", "举报信箱"
    VISIT = "visit", "来访"
    LETTER = "letter", "来信"
    MEDIA = "media", "媒体反映"


# Channels staff enter by hand; web complaints come from residents, work orders from imports.
STAFF_CHANNELS = [Channel.HOTLINE, Channel.VISIT, Channel.LETTER, Channel.MAILBOX, Channel.MEDIA]
STAFF_CHANNEL_CHOICES = [(c.value, c.label) for c in STAFF_CHANNELS]


class State(models.TextChoices):
    RECEIVED = "received", "待受理"  # in, not yet decided
    ACCEPTED = "accepted", "已受理"  # opened or joined a ledger problem
    REJECTED = "rejected", "不予受理"  # with a reason the complainant can read
    DUPLICATE = "duplicate", "重复投诉"  # merged into an earlier complaint; follows its problem


# Intake decisions: only a received complaint can be decided, and a decision is final.
TRANSITIONS: dict[str, set[str]] = {
    State.RECEIVED: {State.ACCEPTED, State.REJECTED, State.DUPLICATE},
    State.ACCEPTED: set(),
    State.REJECTED: set(),
    State.DUPLICATE: set(),
}


class Route(models.TextChoices):
    HOUSING = "housing", "住建部门"
    POLICE = "police", "公安机关"  # threats, harassment, violence
    MARKET = "market", "市场监管部门"  # fees and prices
    NONE = "none", "不属于专项整治"


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    DISSATISFIED = "dissatisfied", "不满意"  # sends the problem back to rectification


class CallbackMethod(models.TextChoices):
    PHONE = "phone", "电话回访"
    SMS = "sms", "短信回访"
    VISIT = "visit", "上门回访"
    ONLINE = "online", "网上评价"


class EventKind(models.TextChoices):
    RECEIVE = "receive", "收到投诉"
    CLASSIFY = "classify", "确认分类"
    ACCEPT = "accept", "受理"
    JOIN = "join", "并入已有问题"
    REJECT = "reject", "不予受理"
    DUPLICATE = "duplicate", "标记为重复投诉"
    REPLY = "reply", "答复"
    CALLBACK = "callback", "回访"
    REVEAL = "reveal", "查看投诉人信息"


class Progress(models.TextChoices):
    """What a resident reads on the status page: derived from the complaint and its problem."""

    RECEIVED = "received", "已收到，等待受理"
    REJECTED = "rejected", "不予受理"
    HANDLING = "handling", "已受理，正在办理"
    VERIFYING = "verifying", "已整改，等待核验"
    CLOSED = "closed", "已办结"
    CALLED_BACK = "called_back", "已办结并回访"
