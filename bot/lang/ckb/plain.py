"""Sorani typed with plain Arabic letters, as data.

Many Kurds type Sorani on an Arabic keyboard, without its own letters: ە as ه, ێ as ي, ۆ as و, ڕ as ر, ڵ as ل,
ڤ as ف; and because ه joins the next letter where ە does not, they put a space after it ("كوره كه م" for
"کوڕەکەم"). The matcher compares a plain view of both the examples and the question (bot/text/sorani.py):
letters mapped to the plain ones and the space after ه removed on both sides, so either spelling meets the
other. Extend freely; each entry is one spelling people use.
"""

from __future__ import annotations

from bot.lang.base import word_set

# Sorani letter (already folded by bot/text/normalize.py) -> the plain Arabic letter typed for it.
TO_PLAIN = {"ە": "ه", "ێ": "ي", "ۆ": "و", "ڕ": "ر", "ڵ": "ل", "ڤ": "ف", "ھ": "ه"}
# Long vowels typed single ("روسيا" for "ڕووسیا").
DOUBLED = {"وو": "و", "يي": "ي"}

# Frequent Sorani words in plain letters that Arabic does not use (2 points each in language identification).
# Written folded, as identification compares them with folded text: an initial ئ is folded to ي.
WORDS = word_set(
    "بو ييش ييستا ييسته ييمه ييوه يه م يه و يه وه يه گه ر يايا چي چيه چون چوون نيه نييه هه يه هه ن ده لي ده لين "
    "ده لن بكه م بكه ين ده كه م ده كات ده ده ن ده مه وي ده يه وي كوره كه م كچه كه م براكه م باوكم دايكم "
    "سوپاي سه رباز سه ربازي شه ر كار كاري پاره زانكو خويندن خويندكار متمانه راسته چلون تكايه سوپاس "
    "ماله وه له وي ليره بيت بچم بچين ناتوانم ده توانم كراوه"
)
# A space after ه before a Sorani ending or clitic ("كه م", "كه ي", "كان", "وه"): the plain spelling's mark.
SPLIT_ENDING = r"ه (?:كه|كان|كانم|كه م|كه ي|وه|يه|ي|م|ن|ت|مان|يان)(?=\s|$|[؟?!.,،])"
