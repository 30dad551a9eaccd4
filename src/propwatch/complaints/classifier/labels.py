"""The classifier's label sets: focus problems 0–6 and the routes a complaint can be sent on."""

# 0 is "outside the campaign"; 1–6 are the plan's focus problems (整治重点).
FOCUS_VALUES = (0, 1, 2, 3, 4, 5, 6)

FOCUS_NAMES = {
    0: "非整治范围",
    1: "停水停电",
    2: "共用部位",
    3: "泄露信息/骚扰恐吓",
    4: "撤离/交接",
    5: "公示",
    6: "违规收费/转供电加价",
}

HOUSING = "housing"
POLICE = "police"
MARKET = "market"
NONE = "none"
ROUTES = (HOUSING, POLICE, MARKET, NONE)

# The usual route of each focus. Focus 3 is split by a small model of its own: threats and
# violence go to the police, a pure data leak to housing.
DEFAULT_ROUTE = {0: NONE, 1: HOUSING, 2: HOUSING, 3: POLICE, 4: HOUSING, 5: HOUSING, 6: MARKET}
