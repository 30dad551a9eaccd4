from django.db import models


class Focus(models.IntegerChoices):
    """The six focus problems of the plan (整治重点), the spine of the whole system."""

    SUPPLY_CUT = 1, "停水停电等变相催费"
    COMMON_PARTS = 2, "违规利用共用部位"
    HARASSMENT = 3, "泄露信息、骚扰恐吓"
    ABANDON_HANDOVER = 4, "擅自撤离、拒不交接"
    DISCLOSURE = 5, "未按规定公示"
    FEES = 6, "违规收费、转供电加价"


FOCUS_LONG = {
    1: "以业主拖欠物业服务费、不配合管理为由，中断或以限时限量等方式变相中断供水、供电、供气、供热",
    2: "擅自允许他人利用共用部位、共用设施设备进行广告、宣传、经营；对违法违规行为未劝阻、制止、报告",
    3: "泄露业主信息，与业委会共同侵害业主合法权益，对业主进行骚扰、恐吓、打击报复、采取暴力",
    4: "擅自撤离物业管理区域、停止物业服务；合同终止后拒不撤离、不办理交接",
    5: "未在小区显著位置公示企业备案、服务内容、收费项目和标准、投诉电话、公共收益收支等信息",
    6: "违反物业服务收费管理规定，转供电代收加价等违规收取不合理费用",
}
