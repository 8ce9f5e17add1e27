"""Money amounts as people write them in offers, read from folded text (see bot/normalize.fold).

What it reads: `$3000`, `3,000 USD`, `3000$`, `20 ألف دولار`, `٢٠٠٠ دولار`, `210 000 руб`, `200 тыс. рублей`,
`1,5 млн`, `20k`, `3 000 €`, Iraqi dinar, Kenyan shillings and a few other currencies of the people we serve,
and the pay period written next to the amount (a month, on signing, a fee ...).

A bare number is never money: phone numbers, years ("2026") and ages ("18-22 years") carry no currency, no
multiplier word and no pay period. A number counts only with a currency sign or word, a multiplier
(k, тыс., ألف, млн ...) or a pay period attached to it.

The conversion rates are rough and fixed on purpose: they only decide whether pay is "far above" what such
jobs pay, so a few percent of drift changes nothing, and a fixed table keeps the checker offline and testable.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from bot.text.normalize import fold

# Rough US-dollar value of one unit (order of magnitude of 2024-2025 rates; NOT for any real conversion).
USD_PER_UNIT: dict[str, float] = {
    "USD": 1.0,
    "EUR": 1.08,
    "SAR": 1 / 3.75,
    "QAR": 1 / 3.64,
    "CAD": 0.73,
    "GBP": 1.27,
    "RUB": 1 / 90,
    "IQD": 1 / 1310,
    "KES": 1 / 129,
    "INR": 1 / 83,
    "NPR": 1 / 133,
    "NGN": 1 / 1500,
    "GHS": 1 / 15,
    "XAF": 1 / 600,  # CFA franc (Cameroon and neighbours)
    "AED": 1 / 3.67,
    "TRY": 1 / 32,
}

# Monthly pay at or above this is "far above" what the jobs offered (driver, cook, guard, helper, factory or
# hotel work) pay at home or in Russia: the research reports promises of about $2,800-3,000 a month to
# Iraqis, $1,500 to Nigerians and KES 250,000 (about $1,900) to Kenyans, all of them army recruitments, and
# names "pay several times the local rate for unskilled work" as a warning sign. Below it ("salary 500$")
# pay alone says nothing.
HIGH_PAY_MONTHLY_USD = 1500.0
# A one-off payment on signing of this size is the army's signing bonus, not how ordinary jobs pay
# (promises reported: up to $20,000 on signing).
SIGNING_BONUS_USD = 1000.0
# Fees paid up front to an agent in the reported cases ran from $2,300 (a "study invitation") to $9,000 or
# $18,000; a fee in the thousands is the pattern.
UPFRONT_FEE_USD = 1000.0

# Without a currency, sums in these ads are dollars, except large ones in Russian (rubles: Russian pay is
# written in five or six digits) and in Arabic or Sorani (Iraqi dinars run to hundreds of thousands).
# Below these bounds a bare sum is read as dollars.
_LOCAL_CURRENCY = {"ru": ("RUB", 10_000.0), "ar": ("IQD", 100_000.0), "ckb": ("IQD", 100_000.0)}

# Days, weeks and years turned into a month, to compare everything with the monthly threshold.
_PER_MONTH = {"month": 1.0, "day": 26.0, "week": 4.3, "year": 1 / 12}

# -- the number itself ----------------------------------------------------------------------------------
# Grouped thousands ("3,000", "3.000", "210 000", "20٬000", Indian "1,50,000") or a plain number with an
# optional decimal part ("3000", "1,5", "1.5"). Not glued to letters, digits or a "+" (phone numbers).
_NUM = (r"(?:\d{1,2}(?:,\d{2})+,\d{3}(?![\d])|\d{1,3}(?:[,.\u066c' ]\d{3})+(?![\d])|\d+(?:[.,\u066b]\d{1,2}(?!\d))?"
        r"|полтора|полторы)")
# "3000-4000$", "AED 3,200 to 4,000", "от 150 до 200 тыс.": the upper end is what the offer promises.
_RANGE = rf"(?P<num>{_NUM})(?:\s*(?:[-–—]|to|до|الى|a|à)\s*(?P<num2>{_NUM}))?"

# Multiplier words, folded. Arabizi (Arabic typed in Latin letters) is folded Latin: "300 alf".
_MULTIPLIERS: tuple[tuple[str, float], ...] = (
    (r"(?:crores?|кроре)", 10_000_000.0),
    (r"(?:million|millions|mln|млн|миллион\w*|مليون|ملايين|مليۆن|malyoon|milyon|malyon)\.?", 1_000_000.0),
    (r"(?:lakhs?|lacs?)", 100_000.0),
    (r"(?:thousand|mille|тыс(?:яч\w*|\.)?|тыщ\w*|косар\w*|т\.?р\.?(?=\s|$)|الف|الاف|هەزار|هزار|alf|alaf|aalaf)"
     r"(?!ين|ain|ayn|een|en\b)", 1_000.0),  # not the dual "الفين" (below)
    (r"(?:k|к)(?![a-zа-я])", 1_000.0),
    # Arabic duals: "مليونين دينار" is two million dinars, "الفين دولار" two thousand dollars.
    (r"(?:مليونين|ملونين|malyoonen|malyonen|milyonen|malyoonain)", 2_000_000.0),
    (r"(?:الفين|alfain|alfayn|alfeen|alfen)", 2_000.0),
)
_MULT_RE = "|".join(f"(?P<m{i}>{p})" for i, (p, _) in enumerate(_MULTIPLIERS))
# "مليون ونص", "a million and a half", "ملیۆن و نیو", "миллиона с половиной": one and a half times.
_HALF = r"(?P<{name}>\s?(?:و\s?نص\w*|و\s?نيو|and\s+a\s+half|с\s+половиной|et\s+demi|w\s?nu?s))"
# A multiplier word alone stands for one of it ("مليون دينار", "a million rubles"), with a currency after.
_ONE = r"(?:(?:a|one|un|une|один|одна|واحد|يەك|wahid)\s)?"

# Currency words and signs (folded), after or before the number.
_CURRENCIES: tuple[tuple[str, str], ...] = (
    ("USD", r"us\s?\$|\$|usd|us\s?dollars?|dollars?|dolar|долл\w*\.?|دولار\w*|دۆلار\w*|ورقه|ورقات|دفتر|دفاتر"),
    ("EUR", r"€|eur\b|euros?|евро|يورو|يۆرۆ"),
    ("GBP", r"£|gbp|pounds?"),
    ("RUB", r"₽|руб\w*\.?|р\.|р(?=/|\s|$)|rub\w*|roubles?|rubles?|rubl|روبل\w*|ڕۆبڵ\w*|روبڵ\w*"),
    ("IQD", r"iqd|dinars?|دينار\w*"),
    ("KES", r"kes|ksh\.?|kshs\.?|shillings?"),
    ("INR", r"₹|inr|rs\.?|rupees?"),
    ("NPR", r"npr"),
    ("NGN", r"₦|ngn|naira|n(?=\d|\Z)"),
    ("GHS", r"gh₵|ghs|cedis?"),
    ("XAF", r"fcfa|f\s?cfa|xaf|cfa"),
    ("AED", r"aed|dirhams?|درهم"),
    ("SAR", r"sar\b|riyals?|ريال"),
    ("QAR", r"qar\b"),
    ("CAD", r"cad\b|\$\s?ca\b|ca\$"),
    ("TRY", r"₺|lira|tl\b"),
)
_CUR_RE = "|".join(f"(?P<{{side}}{code}>{pattern})" for code, pattern in _CURRENCIES)
# Iraqi slang: a "paper" (ورقة) is a $100 note, a "notebook" (دفتر) is $10,000.
_SLANG_FACTOR = {"ورقه": 100.0, "ورقات": 100.0, "دفتر": 10_000.0, "دفاتر": 10_000.0}
# Indian and Nepali amounts are counted in lakhs and crores; without a currency they are rupees.
_RUPEE_MULTIPLIERS = (0, 2)

_AMOUNT = re.compile(
    rf"(?<![\w+.,\u066c\u066b])"
    rf"(?:(?P<pre>{_CUR_RE.format(side='p')})\s?)?"
    rf"(?:{_RANGE}(?:\s?(?P<mult>{_MULT_RE}){_HALF.format(name='half')}?)?"
    rf"|{_ONE}(?P<alone>{_MULT_RE.replace('?P<m', '?P<a')}){_HALF.format(name='half1')}?)"
    # "204 000 (двухсот четырёх тысяч) рублей", "un million de FCFA"
    rf"(?:\s?\([^()\n]{{0,80}}\))?(?:\s(?:de|d'|of))?"
    rf"(?:\s?(?P<post>{_CUR_RE.format(side='s')}))?"
    rf"(?![a-zа-я\u0621-\u064a])"
)

# -- what the amount is for: the nearest marker wins -----------------------------------------------------
_MARKERS: dict[str, str] = {
    "once": (
        r"sign(?:ing|ed)?[\s-]*(?:on[\s-]*)?bonus|(?:on|upon|at|when|after|for)\s+(?:you\s+)?sign\w*|one[\s-]?(?:time|off)"
        r"|lump[\s-]?sum|(?:joining|enlistment|welcome)\s+bonus|\bbonus|a\s+la\s+signature|(?:lors|au\s+moment)\s+de\s+(?:la\s+)?signature|\bprime\b"
        r"|при\s+(?:подписан|заключен)\w*|единовременн\w*|единоразов\w*|\bразов\w+|подъемн\w*|бонус\w*"
        r"|федеральн\w*\s*(?:\+|и|,)\s*регион\w*|(?:регион|федерал)\w*\s+выплат\w*"
        r"|مكافا\w*|(?:ال)?توقيع|توقع\b|(?:ال)?امضا\b|(?:ت|ي)مضي\b|(?:t|y|n)?a?wa?(?:8|q|g|2)i3\w*|taw(?:q|8|g)ee?3|(?:دفعه|مبلغ)\s+(?:واحده|مقطوع)|مره\s+(?:وحده|واحده)"
        r"|پاداشت\w*|واژۆ\w*|ييمزا\w*|يەك\s+جار"
    ),
    "tuition": (
        r"tuition|frais\s+de\s+scolarite|(?:стоимость|плата)\s+(?:за\s+)?обучени\w*|(?:رسوم|اجور|قسط)\s+(?:ال)?دراس\w*"
        r"|(?:ال)?قسط\b|(?:كرێي|تێچووي|پارەي)\s+خوێندن"
    ),
    "fee": (
        r"\bfees?\b|commission|deposit|processing|non-?refundable|total\s+(?:cost|package|charges?)|\bcoute?\b|\bfrais\b|комисси\w*|предоплат\w*|\bсбора?\b"
        r"|(?:paid|pay)\s+(?:to\s+)?(?:our|the|an?)\s+(?:office|agent|agency|consultant|broker)|invitation\s+(?:letter\s+)?(?:fee|cost|price)"
        r"|\bcharges?\b|(?:to|for)\s+(?:the\s+|an?\s+|our\s+)?(?:agent|agency|broker|consultant)\b"
        r"|агент(?:у|ству)|посреднику|(?:стоимость|оплата)\s+приглашени\w*|a\s+(?:l'|l\s)?agen(?:ce|t)|за\s+(?:оформлени|услуг|трудоустройств)\w*|вперед\b"
        r"|رسوم|عموله|اجور|كلفه|تكاليف|(?:ال)?مصاريف|غير\s+مسترد\w*|عربون|مقدما|(?:لل|ال)(?:مكتب|وكيل|وكاله)|علي\s+(?:ال)?ملف|سعر\s+(?:ال)?دعوه"
        r"|تێچوو|نووسينگە\w*|نرخي\s+بانگهێشت\w*|پێشەكي"
    ),
    "month": (
        r"\b(?:a|per|each|every)\s+month\b|/?(?<=/)\s*(?:month|mo|mois|мес(?:яц)?)\b|monthly|par\s+mois|mensuel\w*|\ble\s+mois\b(?!\s+(?:prochain|dernier|de|d'))"
        r"|chaque\s+mois|\bв\s+мес(?:яц)?(?![а-я])|ежемесячн\w*|\bза\s+месяц|\bмесячн\w*"
        r"|(?:ال)?شهري(?:ا|ه)?\b|(?:بال|في\s+ال|كل\s+|لل)شهر|مانگان[ەه]|(?:لە|بۆ|هەر)\s+مانگ\w*"
        r"|\b(?:b|bil|bel|bl|fi|kul)\s?(?:el\s?|al\s?|l\s?)?shah?a?r\b|shahri\w*"
    ),
    "year": (
        r"\b(?:a|per|each)\s+year\b|annual\w*|yearly|par\s+an\b|annuel\w*|\bв\s+год(?![а-я])|ежегодн\w*"
        r"|سنوي\w*|(?:بال|في\s+ال)سنه|سالان[ەه]|(?:لە|بۆ|هەر)\s+ساڵ\w*"
    ),
    "week": r"\b(?:a|per)\s+week\b|weekly|par\s+semaine|\bв\s+неделю|اسبوعي\w*|بالاسبوع|هەفتان[ەه]",
    # A shift is paid like a day ("6 000 р/смена", "per shift"); Iraqis call a day's wage اليومية.
    "day": r"\b(?:a|per|each)\s+(?:day|shift)\b|daily|/?(?<=/)\s*(?:day|shift|смен\w*|сут\w*)\b|par\s+jour"
           r"|\bв\s+(?:день|сутки)|\bза\s+(?:смену|сутки|день)|(?:ال)?يومي\w*|باليوم|ڕۆژان[ەه]|\b(?:b|bil|bel)\s?(?:el\s?|al\s?)?yom\b|yawmi\w*|yomi\w*",
    # A salary with no period written is a monthly salary.
    "pay": (
        r"(?:salary|salaries|wages?|earn\w*|income|salaire\w*|gagne\w*|remuneration|paie|solde|зарплат\w*|заработ\w*"
        r"|оклад\w*|доход\w*|довольстви\w*|з/п|зп|(?:ال)?راتب\w*|(?:ال)?معاش\w*|(?:ال)?رواتب|(?:ال)?اجر\b|(?:ال)?اجره\b|مو?وچ[ەه]\w*|داهات"
        r"|ratib|raatib|rateb|ra5is|ra6ib|ra6eb|raatb|m3ash|ma3ash|m3aash|mshahara|mishahara|mushahara)"
    ),
}
_MARKER_BODY = "|".join(f"(?P<{kind}>{pattern})" for kind, pattern in _MARKERS.items())


def _marker_starts() -> str:
    """A character class of every character a marker can start with (after an Arabic proclitic or not): a
    lookahead on it lets the regex leave the ~5,000 word starts of a long text at once, in C."""
    from bot.offers.checker import first_chars  # the checker's reading of a pattern's first characters

    chars: set[str] = set("\u0648\u0641\u0628")  # و ف ب joined in front of an Arabic marker
    for pattern in _MARKERS.values():
        # "/mo", "/ day": after a slash the marker may start with the slash, a space or the word itself.
        found = first_chars(pattern.replace("/?(?<=/)\\s*", ""))
        if found is None:
            return ""
        chars |= found
    chars |= set("/ \t\n\r\u00a0\u2009\u202f")
    return "(?=[" + "".join(re.escape(ch) for ch in sorted(chars)) + "])"


@cache
def _marker_re() -> re.Pattern[str]:
    """One regex for all markers, one named group per kind: each window is read once. Markers start a word (or
    follow a "/"), so the regex first consumes the non-word character before it, then looks at the first
    character: at other characters it fails at once, which keeps the ~200 amounts of a long contract fast.
    Compiled on first use: the checker, which reads the first characters, imports this module."""
    return re.compile(r"(?:\W|^)" + _marker_starts() + r"(?:[\u0648\u0641\u0628](?=[\u0621-\u064a]))?(?:"
                      + _MARKER_BODY + ")")


# A bare number is money only with a pay period right after it ("3000 a month"): a narrower, cheaper look.
_BARE_PERIOD = re.compile(r"\s{0,3}(?:" + "|".join(f"(?P<{k}>{_MARKERS[k]})" for k in ("month", "year", "week", "day"))
                          + ")")
_WINDOW = 32  # characters on each side of the amount where its period may be written
_CLAUSE_END = re.compile(r"[.!?;\n]\s|\n")
# When two markers are equally near, the more specific reading wins.
_PRIORITY = ("once", "tuition", "fee", "month", "year", "week", "day", "pay")


@dataclass(frozen=True)
class Amount:
    start: int  # span in the folded text
    end: int
    value: float  # in units of `currency` (the upper end of a range)
    currency: str | None  # ISO-like code, None when unknown
    period: str | None  # "once" | "month" | "year" | "week" | "day" | "fee" | "tuition" | None
    marker: tuple[int, int] | None = None  # span of the period words in the folded text

    @property
    def usd(self) -> float | None:
        if self.currency is None:
            return None
        return self.value * USD_PER_UNIT[self.currency]

    @property
    def monthly_usd(self) -> float | None:
        """The amount as pay per month, when it is pay with a period."""
        usd = self.usd
        if usd is None or self.period not in _PER_MONTH:
            return None
        return usd * _PER_MONTH[self.period]


_INDIAN = re.compile(r"\d{1,2}(?:,\d{2})+,\d{3}")
_GROUPED = re.compile(r"\d{1,3}(?:[,. ]\d{3})+")
_SEPARATORS = re.compile(r"[,. ]")


def parse_number(raw: str) -> float | None:
    """ "3,000" -> 3000, "1,5" -> 1.5, "210 000" -> 210000, "3.000" -> 3000, "1.5" -> 1.5."""
    if raw in ("полтора", "полторы"):
        return 1.5
    if raw.isdigit():
        return float(raw)
    raw = raw.replace("\u066c", ",").replace("\u066b", ".").replace("'", ",")
    if _INDIAN.fullmatch(raw):  # 1,50,000
        return float(raw.replace(",", ""))
    if _GROUPED.fullmatch(raw):
        return float(_SEPARATORS.sub("", raw))
    try:
        return float(raw.replace(",", "."))
    except ValueError:
        return None


# Where amounts can start, found fast (each regex starts with characters the engine skips to in C): runs of
# digits, and multiplier words standing alone ("مليون دينار"). A currency written before the number is found
# by looking back from the digits.
_DIGITS = re.compile(r"\d+")
_ALONE_WORDS = re.compile(
    "полтор|crore|million|mln|млн|миллион|مليون|ملايين|مليۆن|ملونين|malyoon|milyon|malyon|lakh|lac|thousand|mille|тыс"
    "|الف|الاف|هەزار|هزار|alf|alaf|тыщ|косар"
)
_PRE_BEFORE = re.compile(rf"(?<!\w)(?:{_CUR_RE.format(side='b')})\s?\Z")
_PRE_REACH = 8


def find_amounts(text: str, lang: str | None = None, folded: bool = False) -> list[Amount]:
    """Every money amount in `text`, with spans in the folded text (fold it first unless `folded`)."""
    if not folded:
        text = fold(text)
    found: list[Amount] = []
    read_to = -1
    for start in _candidates(text):
        if start < read_to:
            continue  # the second number of a range, or a number inside an amount already read
        match = _AMOUNT.match(text, start)
        if match is None:
            continue
        read_to = match.end()
        if not (match.group("pre") or match.group("post") or match.group("mult") or match.group("alone")) and (
            _BARE_PERIOD.match(text, match.end(), match.end() + _BARE_REACH) is None
        ):
            continue  # a bare number with no pay period after it: not money (the common case in contracts)
        amount = _amount_from(match, lang)
        if amount is None:
            continue
        if amount.currency is None:  # a bare number (a clause number, a date, a phone): usually not money
            amount = _bare_with_period(text, amount, min(len(text), amount.end + _BARE_REACH), lang)
            if amount.currency is None:
                continue
        found.append(amount)
    last = len(found) - 1
    # Many amounts close together (a price list, a dense ad): their windows overlap, so reading the markers of
    # the whole text once costs less than reading every window apart.
    markers = _all_markers(text) if len(found) * 2 * _WINDOW > len(text) else None
    return [a if a.period else _with_period(text, a, found[i - 1] if i else None, found[i + 1] if i < last else None,
                                            markers)
            for i, a in enumerate(found)]


Markers = tuple[list[int], list[tuple[int, int, str, int, int]]]


def _all_markers(text: str) -> Markers:
    """Every marker of the text: (match start, match end, kind, kind start, kind end), and their starts."""
    found = [(m.start(), m.end(), m.lastgroup or "pay", *m.span(m.lastgroup or "pay"))
             for m in _marker_re().finditer(text)]
    return [f[0] for f in found], found


_BARE_REACH = 16
_CURRENCY_SIGNS = frozenset("$€£₽₹₦₺")


def _candidates(text: str) -> list[int]:
    starts = []
    for digits in _DIGITS.finditer(text):
        at = digits.start()
        # A currency written before the number ("usd 3000", "$ 3000") ends in a letter or a currency sign.
        before = text[at - 2:at].strip()[-1:] if at >= 2 else text[:at].strip()
        if before and (before.isalpha() or before in _CURRENCY_SIGNS):
            pre = _PRE_BEFORE.search(text, max(0, at - _PRE_REACH), at)
            if pre is not None:
                at = pre.start()
        starts.append(at)
    starts += [m.start() for m in _ALONE_WORDS.finditer(text)]
    return sorted(set(starts))


_CURRENCY_GROUPS = tuple((code, f"p{code}", f"s{code}") for code, _ in _CURRENCIES)
_MULT_GROUPS = tuple(f"m{i}" for i in range(len(_MULTIPLIERS)))
_ALONE_GROUPS = tuple(f"a{i}" for i in range(len(_MULTIPLIERS)))


def _currency(groups: dict[str, str | None]) -> str | None:
    for code, pre, post in _CURRENCY_GROUPS:
        if groups[pre] or groups[post]:
            return code
    return None


def _amount_from(match: re.Match[str], lang: str | None) -> Amount | None:
    if not (match.group("pre") or match.group("post") or match.group("mult") or match.group("alone")):
        # A bare number (a clause number, a date, a phone): money only if a pay period follows right after,
        # decided in _with_period. The common case in long contracts, so it skips the rest.
        value = parse_number(match.group("num2") or match.group("num"))
        return None if value is None else Amount(match.start("num"), match.end(), value, None, None)
    groups = match.groupdict()
    if groups["alone"]:
        if not (groups["pre"] or groups["post"]):
            return None  # "a million people": a multiplier word alone is money only with a currency
        values = [1.0]
        index = next(i for i, name in enumerate(_ALONE_GROUPS) if groups[name])
    else:
        values = [v for v in (parse_number(groups[g] or "") for g in ("num", "num2") if groups[g]) if v is not None]
        index = next((i for i, name in enumerate(_MULT_GROUPS) if groups[name]), None) if groups["mult"] else None
    if not values:
        return None
    value = max(values)
    currency = _currency(groups)
    if currency is None and index is None:
        # A bare number: money only if a pay period follows right after; decided in _with_period.
        return Amount(match.start("num"), match.end(), value, None, None)
    if index is not None:
        value *= _MULTIPLIERS[index][1] * (1.5 if groups["half"] or groups["half1"] else 1.0)
    slang = (groups["post"] or "").strip()
    if slang in _SLANG_FACTOR:
        value *= _SLANG_FACTOR[slang]
    if currency is None and index in _RUPEE_MULTIPLIERS:
        currency = "INR"
    return Amount(match.start(), match.end(), value, currency or _bare_currency(value, lang), None)


def _bare_currency(value: float, lang: str | None) -> str:
    local, above = _LOCAL_CURRENCY.get(lang or "", ("USD", 0.0))
    return local if value >= above else "USD"


def _window(text: str, start: int, end: int) -> tuple[int, int]:
    """Characters around the amount in the same sentence, at most _WINDOW on each side."""
    left = max(0, start - _WINDOW)
    right = min(len(text), end + _WINDOW)
    before = list(_CLAUSE_END.finditer(text, left, start))
    if before:
        left = before[-1].end()
    after = _CLAUSE_END.search(text, end, right)
    if after:
        right = after.start()
    return left, right


def _with_period(text: str, amount: Amount, before: Amount | None, after: Amount | None,
                 markers: Markers | None = None) -> Amount:
    left, right = _window(text, amount.start, amount.end)
    if before is not None:  # another amount's words belong to that amount
        left = max(left, before.end)
    if after is not None:
        right = min(right, after.start)
    best: tuple[int, int, str, tuple[int, int]] | None = None
    for kind, start, end in _markers_in(text, max(0, left - 1), right, markers):
        if start < amount.end and end > amount.start:
            continue  # inside the amount itself ("тыс. руб")
        distance = amount.start - end if end <= amount.start else start - amount.end
        candidate = (distance, _PRIORITY.index(kind), kind, (start, end))
        if best is None or candidate < best:
            best = candidate
    if best is None:
        return amount
    kind, span = best[2], best[3]
    period = "month" if kind == "pay" else kind
    return Amount(amount.start, amount.end, amount.value, amount.currency, period, span)


def _markers_in(text: str, left: int, right: int, markers: Markers | None) -> Iterator[tuple[str, int, int]]:
    """(kind, start, end) of the markers read between `left` and `right`."""
    if markers is None:
        for m in _marker_re().finditer(text, left, right):
            kind = m.lastgroup or "pay"
            yield (kind, *m.span(kind))
        return
    starts, found = markers
    for index in range(bisect_left(starts, left), len(found)):
        m_start, m_end, kind, start, end = found[index]
        if m_start >= right:
            break
        if m_end <= right:
            yield kind, start, end


def _bare_with_period(text: str, amount: Amount, right: int, lang: str | None) -> Amount:
    """A bare number counts only as pay with its period written right after it ("3000 a month")."""
    if amount.value < 100:
        return amount
    match = _BARE_PERIOD.match(text, amount.end, right)
    if match is None or not match.lastgroup:
        return amount
    kind = match.lastgroup
    return Amount(amount.start, amount.end, amount.value, _bare_currency(amount.value, lang), kind, match.span(kind))


def money(amounts: list[Amount]) -> list[Amount]:
    """Only what was read as money (bare numbers without a period dropped)."""
    return [a for a in amounts if a.currency is not None]


def high_monthly_pay(amounts: list[Amount]) -> list[Amount]:
    return [a for a in money(amounts) if (a.monthly_usd or 0) >= HIGH_PAY_MONTHLY_USD]


def signing_payments(amounts: list[Amount]) -> list[Amount]:
    return [a for a in money(amounts) if a.period == "once" and (a.usd or 0) >= SIGNING_BONUS_USD]


def upfront_fees(amounts: list[Amount]) -> list[Amount]:
    return [a for a in money(amounts) if a.period == "fee" and (a.usd or 0) >= UPFRONT_FEE_USD]


# What signs.yaml can name under `amounts:`.
DETECTORS = {"monthly-pay": high_monthly_pay, "signing-payment": signing_payments, "upfront-fee": upfront_fees}
