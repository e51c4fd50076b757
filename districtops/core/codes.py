"""National codes the platform validates: credit codes, industry codes and the 四上 thresholds.

- 统一社会信用代码, GB 32100-2015 (docs/domain.md §6): 18 characters over a 31-character set,
  the last one a check character over the first 17 (weights 3^(i-1) mod 31).
- 国民经济行业分类, GB/T 4754-2017: sections A–T and their 97 two-digit divisions.
- 四上企业 thresholds by industry and annual revenue (in yuan).

Input arrives from spreadsheets typed by hand: lower case, spaces, full-width characters.
Every function here normalises first and raises ``ValidationError`` with a Chinese message.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError

from .units import WAN

# --------------------------------------------------------------------------- credit codes

CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_VALUE = {ch: i for i, ch in enumerate(CREDIT_CODE_CHARSET)}
CREDIT_CODE_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


def _normalise(value) -> str:
    """NFKC folds full-width letters/digits/spaces; inner spaces are typing noise."""
    text = unicodedata.normalize("NFKC", str(value if value is not None else ""))
    return "".join(text.split()).upper()


def credit_code_check_char(first17: str) -> str:
    """The 18th character for the given first 17 (already upper case, in the charset)."""
    total = sum(_CREDIT_VALUE[ch] * w for ch, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def validate_credit_code(value) -> str:
    """Return the credit code in canonical (upper case) form or raise ``ValidationError``."""
    if isinstance(value, str):
        return _valid_credit_code(value)  # an import checks each of 50,000 codes twice
    return _check_credit_code(value)


@functools.lru_cache(maxsize=200_000)
def _valid_credit_code(value: str) -> str:
    return _check_credit_code(value)


def _check_credit_code(value) -> str:
    code = _normalise(value)
    if not code:
        raise ValidationError("统一社会信用代码不能为空", code="credit_code_missing")
    if len(code) != 18:
        raise ValidationError(
            "统一社会信用代码应为18位，当前为%(n)d位：%(code)s",
            code="credit_code_length",
            params={"n": len(code), "code": code},
        )
    bad = sorted({ch for ch in code if ch not in _CREDIT_VALUE})
    if bad:
        raise ValidationError(
            "统一社会信用代码含有不允许的字符 %(chars)s（不使用 I、O、S、V、Z）：%(code)s",
            code="credit_code_charset",
            params={"chars": "、".join(bad), "code": code},
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            "统一社会信用代码第3–8位应为行政区划代码（6位数字）：%(code)s",
            code="credit_code_division",
            params={"code": code},
        )
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        raise ValidationError(
            "统一社会信用代码校验位错误：%(code)s（第18位应为 %(expected)s）",
            code="credit_code_check",
            params={"code": code, "expected": expected},
        )
    return code


# --------------------------------------------------------------------------- GB/T 4754-2017

SECTIONS: dict[str, str] = {
    "A": "农、林、牧、渔业",
    "B": "采矿业",
    "C": "制造业",
    "D": "电力、热力、燃气及水生产和供应业",
    "E": "建筑业",
    "F": "批发和零售业",
    "G": "交通运输、仓储和邮政业",
    "H": "住宿和餐饮业",
    "I": "信息传输、软件和信息技术服务业",
    "J": "金融业",
    "K": "房地产业",
    "L": "租赁和商务服务业",
    "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业",
    "O": "居民服务、修理和其他服务业",
    "P": "教育",
    "Q": "卫生和社会工作",
    "R": "文化、体育和娱乐业",
    "S": "公共管理、社会保障和社会组织",
    "T": "国际组织",
}

# division code → (section, name)
DIVISIONS: dict[str, tuple[str, str]] = {
    "01": ("A", "农业"),
    "02": ("A", "林业"),
    "03": ("A", "畜牧业"),
    "04": ("A", "渔业"),
    "05": ("A", "农、林、牧、渔专业及辅助性活动"),
    "06": ("B", "煤炭开采和洗选业"),
    "07": ("B", "石油和天然气开采业"),
    "08": ("B", "黑色金属矿采选业"),
    "09": ("B", "有色金属矿采选业"),
    "10": ("B", "非金属矿采选业"),
    "11": ("B", "开采专业及辅助性活动"),
    "12": ("B", "其他采矿业"),
    "13": ("C", "农副食品加工业"),
    "14": ("C", "食品制造业"),
    "15": ("C", "酒、饮料和精制茶制造业"),
    "16": ("C", "烟草制品业"),
    "17": ("C", "纺织业"),
    "18": ("C", "纺织服装、服饰业"),
    "19": ("C", "皮革、毛皮、羽毛及其制品和制鞋业"),
    "20": ("C", "木材加工和木、竹、藤、棕、草制品业"),
    "21": ("C", "家具制造业"),
    "22": ("C", "造纸和纸制品业"),
    "23": ("C", "印刷和记录媒介复制业"),
    "24": ("C", "文教、工美、体育和娱乐用品制造业"),
    "25": ("C", "石油、煤炭及其他燃料加工业"),
    "26": ("C", "化学原料和化学制品制造业"),
    "27": ("C", "医药制造业"),
    "28": ("C", "化学纤维制造业"),
    "29": ("C", "橡胶和塑料制品业"),
    "30": ("C", "非金属矿物制品业"),
    "31": ("C", "黑色金属冶炼和压延加工业"),
    "32": ("C", "有色金属冶炼和压延加工业"),
    "33": ("C", "金属制品业"),
    "34": ("C", "通用设备制造业"),
    "35": ("C", "专用设备制造业"),
    "36": ("C", "汽车制造业"),
    "37": ("C", "铁路、船舶、航空航天和其他运输设备制造业"),
    "38": ("C", "电气机械和器材制造业"),
    "39": ("C", "计算机、通信和其他电子设备制造业"),
    "40": ("C", "仪器仪表制造业"),
    "41": ("C", "其他制造业"),
    "42": ("C", "废弃资源综合利用业"),
    "43": ("C", "金属制品、机械和设备修理业"),
    "44": ("D", "电力、热力生产和供应业"),
    "45": ("D", "燃气生产和供应业"),
    "46": ("D", "水的生产和供应业"),
    "47": ("E", "房屋建筑业"),
    "48": ("E", "土木工程建筑业"),
    "49": ("E", "建筑安装业"),
    "50": ("E", "建筑装饰、装修和其他建筑业"),
    "51": ("F", "批发业"),
    "52": ("F", "零售业"),
    "53": ("G", "铁路运输业"),
    "54": ("G", "道路运输业"),
    "55": ("G", "水上运输业"),
    "56": ("G", "航空运输业"),
    "57": ("G", "管道运输业"),
    "58": ("G", "多式联运和运输代理业"),
    "59": ("G", "装卸搬运和仓储业"),
    "60": ("G", "邮政业"),
    "61": ("H", "住宿业"),
    "62": ("H", "餐饮业"),
    "63": ("I", "电信、广播电视和卫星传输服务"),
    "64": ("I", "互联网和相关服务"),
    "65": ("I", "软件和信息技术服务业"),
    "66": ("J", "货币金融服务"),
    "67": ("J", "资本市场服务"),
    "68": ("J", "保险业"),
    "69": ("J", "其他金融业"),
    "70": ("K", "房地产业"),
    "71": ("L", "租赁业"),
    "72": ("L", "商务服务业"),
    "73": ("M", "研究和试验发展"),
    "74": ("M", "专业技术服务业"),
    "75": ("M", "科技推广和应用服务业"),
    "76": ("N", "水利管理业"),
    "77": ("N", "生态保护和环境治理业"),
    "78": ("N", "公共设施管理业"),
    "79": ("N", "土地管理业"),
    "80": ("O", "居民服务业"),
    "81": ("O", "机动车、电子产品和日用产品修理业"),
    "82": ("O", "其他服务业"),
    "83": ("P", "教育"),
    "84": ("Q", "卫生"),
    "85": ("Q", "社会工作"),
    "86": ("R", "新闻和出版业"),
    "87": ("R", "广播、电视、电影和录音制作业"),
    "88": ("R", "文化艺术业"),
    "89": ("R", "体育"),
    "90": ("R", "娱乐业"),
    "91": ("S", "中国共产党机关"),
    "92": ("S", "国家机构"),
    "93": ("S", "人民政协、民主党派"),
    "94": ("S", "社会保障"),
    "95": ("S", "群众团体、社会团体和其他成员组织"),
    "96": ("S", "基层群众自治组织及其他组织"),
    "97": ("T", "国际组织"),
}


def validate_industry_code(value) -> str:
    """Return the industry code as 2–4 digits (division, group or class) or raise.

    A leading section letter is accepted ("C3011") and must agree with the division.
    Groups and classes are checked for shape and division only: the standard's 473 groups
    and 1,382 classes are not tabulated here.
    """
    code = _normalise(value)
    if not code:
        raise ValidationError("行业代码不能为空", code="industry_missing")
    letter = ""
    if code[0].isalpha():
        letter, code = code[0], code[1:]
        if letter not in SECTIONS:
            raise ValidationError(
                "行业门类 %(letter)s 不存在（应为 A–T）", code="industry_section", params={"letter": letter}
            )
        if not code:
            raise ValidationError("行业代码只有门类，缺少行业大类", code="industry_division_missing")
    if not code.isdigit() or not 2 <= len(code) <= 4:
        raise ValidationError(
            "行业代码应为2–4位数字（GB/T 4754-2017）：%(value)s",
            code="industry_shape",
            params={"value": _normalise(value)},
        )
    division = DIVISIONS.get(code[:2])
    if division is None:
        raise ValidationError(
            "行业大类 %(division)s 不存在（GB/T 4754-2017）",
            code="industry_unknown",
            params={"division": code[:2]},
        )
    if letter and division[0] != letter:
        raise ValidationError(
            "行业代码 %(code)s 属于门类 %(section)s，不属于门类 %(letter)s",
            code="industry_section_mismatch",
            params={"code": code, "section": division[0], "letter": letter},
        )
    return code


def section_of(industry_code: str) -> str:
    return DIVISIONS[industry_code[:2]][0]


def industry_name(industry_code: str) -> str:
    return DIVISIONS[industry_code[:2]][1]


# --------------------------------------------------------------------------- 四上 thresholds


class Sector:
    """The statistical system an enterprise reports to; drives report type and threshold."""

    INDUSTRY = "industry"
    CONSTRUCTION = "construction"
    WHOLESALE = "wholesale"
    RETAIL = "retail"
    ACCOMMODATION_CATERING = "accommodation_catering"
    REAL_ESTATE = "real_estate"
    SERVICES = "services"

    LABELS = {
        INDUSTRY: "规模以上工业",
        CONSTRUCTION: "资质等级建筑业",
        WHOLESALE: "限额以上批发业",
        RETAIL: "限额以上零售业",
        ACCOMMODATION_CATERING: "限额以上住宿和餐饮业",
        REAL_ESTATE: "房地产开发经营业",
        SERVICES: "规模以上服务业",
    }


@dataclass(frozen=True)
class Classification:
    sector: str | None  # None: outside the 四上 statistical systems (agriculture, finance, public bodies)
    threshold: Decimal | None  # yuan of annual revenue; None when the rule is not a revenue threshold
    above: bool  # 四上 or not

    @property
    def label(self) -> str:
        return Sector.LABELS[self.sector] if self.above else "非四上"


_SERVICES_20M_SECTIONS = {"G", "I", "N"}
_SERVICES_10M_SECTIONS = {"L", "M", "P"}
_SERVICES_5M_SECTIONS = {"O", "R"}


def sector_and_threshold(industry_code: str) -> tuple[str | None, Decimal | None]:
    """The statistical sector of an industry code and its revenue threshold in yuan (docs/domain.md §6)."""
    code = validate_industry_code(industry_code)
    section, division = section_of(code), code[:2]
    if section in {"B", "C", "D"}:
        return Sector.INDUSTRY, 2000 * WAN
    if section == "E":
        return Sector.CONSTRUCTION, None
    if division == "51":
        return Sector.WHOLESALE, 2000 * WAN
    if division == "52":
        return Sector.RETAIL, 500 * WAN
    if section == "H":
        return Sector.ACCOMMODATION_CATERING, 200 * WAN
    if section == "K":
        # 7010 房地产开发经营; a bare "70" is read as a developer, the usual case in a register.
        if len(code) == 2 or code.startswith("701"):
            return Sector.REAL_ESTATE, None
        return Sector.SERVICES, 1000 * WAN
    if section in _SERVICES_20M_SECTIONS or division == "84":
        return Sector.SERVICES, 2000 * WAN
    if section in _SERVICES_10M_SECTIONS:
        return Sector.SERVICES, 1000 * WAN
    if section in _SERVICES_5M_SECTIONS or division == "85":
        return Sector.SERVICES, 500 * WAN
    return None, None


def classify_scale(
    industry_code: str,
    annual_revenue,
    *,
    construction_qualified: bool = False,
    development_active: bool = False,
) -> Classification:
    """Is the enterprise 四上? ``annual_revenue`` is in yuan (None counts as unknown → not above).

    Construction counts by qualification (总承包/专业承包资质), real-estate developers by activity;
    every other sector by revenue ≥ its threshold.
    """
    sector, threshold = sector_and_threshold(industry_code)
    if sector is None:
        return Classification(None, None, False)
    if sector == Sector.CONSTRUCTION:
        return Classification(sector, None, construction_qualified)
    if sector == Sector.REAL_ESTATE:
        return Classification(sector, None, development_active)
    revenue = Decimal(annual_revenue) if annual_revenue is not None else None
    return Classification(sector, threshold, revenue is not None and revenue >= threshold)
