"""What each card field can say: canonical values with the English and Chinese wordings that state them.

The tables are data. A value is read only where the text names it; nothing is inferred beyond the
mappings written here (the NHS is British; interpretive description is a qualitative methodology).
`PARENTS` lets a question about a broader value ("NHS staff") match a narrower one (practitioners
working in NHS Talking Therapies); `SUPERSEDES` drops a value that a more specific one already covers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Term:
    """A canonical value and the patterns that state it (English, Chinese)."""

    value: str
    en: str
    zh: str = ""

    def patterns(self) -> list[re.Pattern[str]]:
        """Compiled patterns, English first."""
        return _compiled(self.en, self.zh)


@lru_cache(maxsize=None)
def _compiled(*patterns: str) -> list[re.Pattern[str]]:
    return [re.compile(p, re.I) for p in patterns if p]


DESIGN = [
    Term("mixed methods", r"\bmixed[- ]methods?\b", r"混合方法|混合研究"),
    Term("randomised controlled trial",
         r"\b(?:this|our|the present)\b[^.;]{0,40}\brandomi[sz]ed\b|\bwe (?:conducted|carried out|ran|performed) an?\b"
         r"[^.;]{0,30}\brandomi[sz]ed\b|\bwere (?:randomi[sz]ed|randomly (?:allocated|assigned))\b|\bRCT\b",
         r"(?:本研究|本试验|我们)[^。；]{0,20}随机(?:对照)?试验|随机(?:分配|分为|分组)"),
    Term("process evaluation", r"\bprocess evaluations?\b", r"过程评估|过程评价"),
    Term("qualitative",
         r"\bqualitative(?:ly)?\s+(?:stud(?:y|ies)|design|approach|research|methods?|methodology|evaluation|"
         r"descriptive|description|inquiry|interview study|evaluated|explored|examined)\b|"
         r"\binterpret(?:ive|ative) description\b|\bgrounded theory (?:study|approach|design)\b|"
         r"\bphenomenological (?:study|approach|design)\b|\bethnograph(?:y|ic stud(?:y|ies))\b",
         r"质性研究|定性研究|质性方法|定性方法|解释性描述|现象学研究|扎根理论研究"),
    Term("conceptual paper", r"\bconceptual (?:paper|article)s?\b|\bdiscussion papers?\b|\bposition papers?\b",
         r"概念性论文|概念性文章"),
    Term("systematic review", r"\b(?:systematic|scoping|narrative|literature) reviews?\b|\bmeta-analys[ie]s\b",
         r"系统综述|系统评价|范围综述|荟萃分析|[Mm]eta分析"),
    Term("cross-sectional survey", r"\bcross-sectional\b|\bsurvey (?:study|studies|design)\b|\b(?:online|national) survey\b",
         r"横断面|问卷调查研究"),
    Term("case study", r"\bcase stud(?:y|ies)\b", r"案例研究|个案研究"),
    Term("pilot or feasibility study", r"\bfeasibility (?:stud(?:y|ies)|trials?)\b|\bpilot (?:stud(?:y|ies)|trials?)\b",
         r"可行性研究|预试验|试点研究"),
    Term("cohort study", r"\b(?:prospective |retrospective )?cohort stud(?:y|ies)\b|\blongitudinal (?:stud(?:y|ies)|design)\b",
         r"队列研究|纵向研究"),
    Term("service evaluation", r"\bservice evaluations?\b", r"服务评估"),
]

DATA_COLLECTION = [
    Term("interviews", r"\binterview(?:s|ed|ing)?\b", r"访谈"),
    Term("focus groups", r"\bfocus[- ]groups?\b", r"焦点小组|焦点团体"),
    Term("questionnaires", r"\bquestionnaires?\b|\bsurvey(?:s|ed)?\b(?! (?:study|design))", r"问卷"),
    Term("observation", r"\b(?:participant|non-participant|ethnographic|field|direct) observations?\b|\bfield ?notes\b",
         r"参与式观察|现场观察|观察法"),
    Term("diaries", r"\bdiar(?:y|ies)\b", r"日记"),
]

ANALYSIS = [
    Term("thematic analysis", r"\bthematic(?:al)?\s+analys[ie]s\b|\bthematically analy[sz]ed\b", r"主题分析"),
    Term("framework analysis", r"\bframework (?:analys[ie]s|method)\b", r"框架分析"),
    Term("content analysis", r"\bcontent analys[ie]s\b", r"内容分析"),
    Term("interpretative phenomenological analysis",
         r"\binterpretative phenomenological analysis\b|\bphenomenological analysis\b|\bColaizzi\b",
         r"现象学分析|Colaizzi"),
    Term("grounded theory", r"\bgrounded theory\b|\bconstant compar", r"扎根理论"),
    Term("narrative analysis", r"\bnarrative analys[ie]s\b", r"叙事分析"),
    Term("discourse analysis", r"\bdiscourse analys[ie]s\b", r"话语分析"),
    Term("statistical analysis",
         r"\bregression\b|\bt-tests?\b|\bANOVA\b|\bchi-square|\bmixed(?:-effects)? models?\b|\bdescriptive statistics\b|"
         r"\bstatistical(?:ly)? analy", r"回归分析|统计分析|描述性统计|[tT]检验|方差分析|卡方检验"),
    Term("qualitative analysis (method not named)", r"\bqualitative (?:data )?analysis\b", r"质性分析|定性分析"),
]

INTERVENTION = [
    Term("compassion-focused therapy", r"\bcompassion[- ]focused (?:therapy|interventions?|groups?)\b|\bCFT\b",
         r"关怀取向治疗|慈悲聚焦|同情聚焦|CFT"),
    Term("compassion circles", r"\bcompassion circles?\b", r"同情圈|慈悲圈|关怀圈"),
    Term("Balint groups", r"\b(?:tele-?)?balint\b", r"巴林特"),
    Term("peer support", r"\bpeer[- ]support\b|\bpeer[- ]led\b", r"同伴支持"),
    Term("low-intensity CBT", r"\blow[- ]intensity (?:CBT|cognitive[- ]behaviou?ral)", r"低强度\s*CBT|低强度认知行为"),
    Term("cognitive behavioural therapy", r"\bCBT\b|\bcognitive[- ]behaviou?ral therap", r"认知行为"),
    Term("Schwartz Rounds", r"\bSchwartz (?:Center )?Rounds?\b", r"施瓦茨查房|施瓦茨圆桌"),
    Term("mindfulness", r"\bmindfulness\b", r"正念"),
    Term("reflective practice groups", r"\breflective practice (?:groups?|sessions?)\b", r"反思性实践小组"),
    Term("clinical supervision", r"\bclinical supervision\b", r"临床督导"),
    Term("acceptance and commitment therapy", r"\bacceptance and commitment therapy\b", r"接纳承诺疗法"),
    Term("resilience training", r"\bresilience (?:training|programme|program)\b", r"(?:心理)?韧性训练|(?:心理)?韧性培训"),
    Term("psychological first aid", r"\bpsychological first aid\b", r"心理急救"),
    Term("trauma risk management", r"\bTRiM\b|\btrauma risk management\b", r"创伤风险管理"),
]

POPULATION = [
    Term("psychological wellbeing practitioners", r"\bpsychological well-?being practitioners?\b|\bPWPs?\b", r"PWP"),
    Term("mental health clinicians",
         r"\bmental health (?:clinicians|professionals|practitioners|workers)\b", r"精神卫生临床医生|心理健康临床医生|精神卫生专业人员"),
    Term("nurses", r"\bnurses\b|\bnursing staff\b", r"护士|护理人员"),
    Term("midwives", r"\bmidwives\b", r"助产士"),
    Term("doctors", r"\bdoctors\b|\bphysicians\b|\bgeneral practitioners\b|\bGPs\b|\bpsychiatrists\b", r"医生|医师"),
    Term("psychologists", r"\b(?:clinical )?psychologists\b|\btherapists\b", r"心理学家|心理治疗师|心理咨询师"),
    Term("social workers", r"\bsocial workers\b", r"社工|社会工作者"),
    Term("peer volunteers", r"\bpeer (?:volunteers?|workers|supporters)\b", r"同伴志愿者"),
    Term("students", r"\b(?:medical |nursing |psychology |university )?students\b", r"学生"),
    Term("healthcare staff",
         r"\b(?:healthcare|health care|health|NHS|hospital|clinical|mental health|ward) (?:staff|workers|employees)\b|"
         r"\bstaff\b(?= (?:who|members|were|was|with|from|at|in)\b)", r"医护人员|医务人员|医疗从业人员|员工|工作人员"),
]
POPULATION_PARENTS = {
    "psychological wellbeing practitioners": ("healthcare staff",),
    "mental health clinicians": ("healthcare staff",),
    "nurses": ("healthcare staff",), "midwives": ("healthcare staff",), "doctors": ("healthcare staff",),
    "psychologists": ("healthcare staff",), "social workers": ("healthcare staff",),
}

SETTING = [
    Term("NHS Talking Therapies", r"\bTalking Therapies\b|\bIAPT\b|\bImproving Access to Psychological Therapies\b",
         r"谈话治疗服务"),
    Term("NHS", r"\bNHS\b|\bNational Health (?:Service|System)\b", r"国民保健署|国家医疗服务体系|国家卫生服务|NHS"),
    Term("mental health services",
         r"\bmental health (?:care|services?|trusts?|settings?|teams?)\b|\bpsychiatric (?:services|hospitals?|wards?|units?)\b",
         r"精神卫生(?:保健|服务|机构)|心理健康服务|精神科"),
    Term("hospital", r"\bhospitals?\b|\bintensive care\b|\bemergency department\b", r"医院|重症监护|急诊"),
    Term("primary care", r"\bprimary care\b|\bgeneral practices?\b", r"初级保健|基层医疗|社区卫生服务中心"),
    Term("community and voluntary sector",
         r"\bnon-governmental organi[sz]ations?\b|\bNGOs?\b|\bvoluntary sector\b|\bcharit(?:y|ies)\b|\bcommunity[- ]based\b",
         r"非政府组织|志愿(?:组织|部门)|慈善(?:机构|组织)|基于社区|社区(?:组织|服务|机构)"),
    Term("university", r"\buniversit(?:y|ies)\b", r"大学|高校"),
]
SETTING_PARENTS = {"NHS Talking Therapies": ("NHS", "mental health services")}

# Countries named in the text (English, Chinese). The NHS names the United Kingdom.
COUNTRIES = [
    Term("United Kingdom", r"\bUnited Kingdom\b|\bU\.?K\.?\b|\bBritain\b|\bEngland\b|\bScotland\b|\bWales\b|"
                           r"\bNorthern Ireland\b|\bNHS\b|\bNational Health (?:Service|System)\b", r"英国|英格兰|苏格兰|威尔士"),
    Term("Ireland", r"\b(?:Republic of )?Ireland\b(?<!Northern Ireland)", r"爱尔兰"),
    Term("United States", r"\bUnited States\b|\bU\.S\.A?\.?(?=\W)|\bUSA\b", r"美国"),
    Term("Canada", r"\bCanada\b", r"加拿大"),
    Term("Australia", r"\bAustralia\b", r"澳大利亚|澳洲"),
    Term("New Zealand", r"\bNew Zealand\b", r"新西兰"),
    Term("Singapore", r"\bSingapore\b", r"新加坡"),
    Term("Denmark", r"\bDenmark\b", r"丹麦"),
    Term("Norway", r"\bNorway\b", r"挪威"),
    Term("Sweden", r"\bSweden\b", r"瑞典"),
    Term("Finland", r"\bFinland\b", r"芬兰"),
    Term("Netherlands", r"\b(?:the )?Netherlands\b", r"荷兰"),
    Term("Germany", r"\bGermany\b", r"德国"),
    Term("France", r"\bFrance\b", r"法国"),
    Term("Spain", r"\bSpain\b", r"西班牙"),
    Term("Italy", r"\bItaly\b", r"意大利"),
    Term("Switzerland", r"\bSwitzerland\b", r"瑞士"),
    Term("China", r"\b(?:mainland )?China\b(?! Medical)", r"中国(?!香港|台湾)|我国"),
    Term("Hong Kong", r"\bHong Kong\b", r"香港"),
    Term("Taiwan", r"\bTaiwan\b", r"台湾"),
    Term("Japan", r"\bJapan\b", r"日本"),
    Term("South Korea", r"\b(?:South )?Korea\b", r"韩国"),
    Term("India", r"\bIndia\b", r"印度"),
    Term("South Africa", r"\bSouth Africa\b", r"南非"),
    Term("Brazil", r"\bBrazil\b", r"巴西"),
    Term("Israel", r"\bIsrael\b", r"以色列"),
    Term("Iran", r"\bIran\b", r"伊朗"),
]

# A more specific value makes the general one redundant on the same card.
SUPERSEDES = {
    "design": {"mixed methods": ("qualitative", "cross-sectional survey")},
    "intervention": {"low-intensity CBT": ("cognitive behavioural therapy",)},
    "analysis": {name.value: ("qualitative analysis (method not named)",) for name in ANALYSIS
                 if name.value not in ("statistical analysis", "qualitative analysis (method not named)")},
}

TERMS = {"design": DESIGN, "country": COUNTRIES, "setting": SETTING, "population": POPULATION,
         "data_collection": DATA_COLLECTION, "analysis": ANALYSIS, "intervention": INTERVENTION}
PARENTS = {"population": POPULATION_PARENTS, "setting": SETTING_PARENTS}


def implied(field: str, value: str) -> tuple[str, ...]:
    """The value itself and the broader values it belongs to."""
    return (value,) + PARENTS.get(field, {}).get(value, ())

# How values read in Chinese answers (values without an entry are shown as they are).
ZH_NAMES = {
    "mixed methods": "混合方法", "randomised controlled trial": "随机对照试验", "process evaluation": "过程评估",
    "qualitative": "质性研究", "conceptual paper": "概念性论文", "systematic review": "系统综述",
    "cross-sectional survey": "横断面调查", "case study": "案例研究", "pilot or feasibility study": "预试验/可行性研究",
    "cohort study": "队列研究", "service evaluation": "服务评估",
    "interviews": "访谈", "focus groups": "焦点小组", "questionnaires": "问卷", "observation": "观察", "diaries": "日记",
    "thematic analysis": "主题分析", "framework analysis": "框架分析", "content analysis": "内容分析",
    "interpretative phenomenological analysis": "诠释现象学分析", "grounded theory": "扎根理论",
    "narrative analysis": "叙事分析", "discourse analysis": "话语分析", "statistical analysis": "统计分析",
    "qualitative analysis (method not named)": "质性分析（未注明具体方法）",
    "compassion-focused therapy": "关怀取向治疗（CFT）", "compassion circles": "同情圈", "Balint groups": "巴林特小组",
    "peer support": "同伴支持", "low-intensity CBT": "低强度认知行为治疗", "cognitive behavioural therapy": "认知行为治疗",
    "mindfulness": "正念", "clinical supervision": "临床督导",
    "psychological wellbeing practitioners": "心理健康从业者（PWP）", "mental health clinicians": "精神卫生临床人员",
    "nurses": "护士", "midwives": "助产士", "doctors": "医生", "psychologists": "心理治疗/咨询人员", "social workers": "社工",
    "peer volunteers": "同伴志愿者", "students": "学生", "healthcare staff": "医护人员",
    "NHS Talking Therapies": "NHS谈话治疗服务", "NHS": "英国国民保健署（NHS）", "mental health services": "精神卫生服务",
    "hospital": "医院", "primary care": "初级保健", "community and voluntary sector": "社区与志愿组织", "university": "大学",
    "United Kingdom": "英国", "Ireland": "爱尔兰", "United States": "美国", "Canada": "加拿大", "Australia": "澳大利亚",
    "New Zealand": "新西兰", "Singapore": "新加坡", "Denmark": "丹麦", "Norway": "挪威", "Sweden": "瑞典",
    "Finland": "芬兰", "Netherlands": "荷兰", "Germany": "德国", "France": "法国", "Spain": "西班牙", "Italy": "意大利",
    "Switzerland": "瑞士", "China": "中国", "Hong Kong": "香港", "Taiwan": "台湾", "Japan": "日本", "South Korea": "韩国",
    "India": "印度", "South Africa": "南非", "Brazil": "巴西", "Israel": "以色列", "Iran": "伊朗",
}
