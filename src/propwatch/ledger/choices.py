from django.db import models


class Source(models.TextChoices):
    COMPLAINT = "complaint", "投诉举报"
    INSPECTION = "inspection", "巡查检查"
    SELF_INSPECTION = "self_inspection", "企业自查"
    MEDIA = "media", "媒体曝光"
    ASSIGNED = "assigned", "上级交办"


class Level(models.TextChoices):
    STREET = "street", "街道就地化解"  # the street office resolves it with the community
    COUNTY = "county", "县级督办"  # escalated to the county housing bureau
    JOINT = "joint", "联合督办"  # the county added police, market regulation, …


class State(models.TextChoices):
    REGISTERED = "registered", "已登记"  # recorded; no department is responsible yet
    ASSIGNED = "assigned", "已交办"  # a department is responsible; the company is told
    RECTIFYING = "rectifying", "整改中"  # the company is putting it right
    AWAITING_VERIFICATION = "awaiting_verification", "待核验"  # rectification submitted with evidence
    CLOSED = "closed", "已销号"  # verified by someone other than the submitter


# The only moves a problem can make. Anything else is refused with a reason.
TRANSITIONS: dict[str, set[str]] = {
    State.REGISTERED: {State.ASSIGNED},
    State.ASSIGNED: {State.RECTIFYING},
    State.RECTIFYING: {State.AWAITING_VERIFICATION},
    State.AWAITING_VERIFICATION: {State.CLOSED, State.RECTIFYING},  # close, or send back
    State.CLOSED: {State.RECTIFYING},  # reopen, with a reason
}

# The verb shown on the button / in the timeline for each move.
TRANSITION_LABELS: dict[tuple[str, str], str] = {
    (State.REGISTERED, State.ASSIGNED): "交办",
    (State.ASSIGNED, State.RECTIFYING): "开始整改",
    (State.RECTIFYING, State.AWAITING_VERIFICATION): "提交整改",
    (State.AWAITING_VERIFICATION, State.CLOSED): "核验销号",
    (State.AWAITING_VERIFICATION, State.RECTIFYING): "退回整改",
    (State.CLOSED, State.RECTIFYING): "重新打开",
}


class EventKind(models.TextChoices):
    REGISTER = "register", "登记"
    TRANSITION = "transition", "状态变更"
    REASSIGN = "reassign", "调整责任单位"
    ESCALATE = "escalate", "升级至县级督办"
    JOIN = "join", "增加联合督办部门"
    SUPERVISE = "supervise", "挂牌督办"
    EXTENSION_REQUESTED = "extension_requested", "申请延期"
    EXTENSION_APPROVED = "extension_approved", "批准延期"
    EXTENSION_REJECTED = "extension_rejected", "驳回延期"
    DEADLINE_RECOMPUTED = "deadline_recomputed", "重新计算期限"
    EDIT = "edit", "修改信息"


class EvidenceKind(models.TextChoices):
    FOUND = "found", "发现问题"
    RECTIFICATION = "rectification", "整改材料"
    VERIFICATION = "verification", "核验材料"


class ExtensionState(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "已驳回"
