"""Russian typed in Latin letters ("translit": "mne predlagayut rabotu v rossii"), as data.

People without a Cyrillic keyboard (learners, Central Asian workers, Arabic speakers in Russia) type Russian
this way, with no agreed standard: "zh"/"j" for ж, "sh"/"w" for ш, "ch"/"4" for ч, "x"/"h"/"kh" for х, "y"
for ы and й, "ya"/"ia" for я. The matcher turns such text into Cyrillic (bot/text/translit.py) and compares it
with the Russian examples; small errors are absorbed by the character n-grams. Extend the lists freely.
"""

from __future__ import annotations

from bot.lang.base import word_set

# Frequent words of Russian in Latin letters, which English and French do not use (2 points each in langid).
WORDS = word_set(
    "ya mne menya menia chto cho shto kak eto etot eta ne net da kto gde kuda pochemu pochmu zachem mozhno mojno "
    "nado nuzhno nujno rabota rabotu raboty rabotat kontrakt kontrakta rossii rossiyu rossiya rossia rosii "
    "govorit govoryat govorat esli obman pravda privet zdravstvuyte pomogite pomogi moy moya moi muzh muj syn brat "
    "seychas sejchas sechas tolko ochen uzhe uje skazali skazal dayut dali daet obeshayut obeschayut obeshchayut "
    "voennyy voennyi armiya armii voyna voina vojna front fronte plen plenu pasport pasporta zabral zabrali "
    "podpisat podpisal podpishi bot bota zarplata dengi deneg vizu viza universitet ucheba uchitsya "
    "verbovshik verbovshiki verbovshika verbuyut grazhdanstvo menya mnoy tebe tam tut zdes ili poka "
    "poedu poehat letet propal svyazi svyazy nas vas oni ona on my vy"
)
# Letter groups of translit that English and French rarely have (1 point a word): zh, kh, shch, -iy/-yy endings.
SHAPE = r"(?:zh|kh|shch|[a-z](?:iy|yy)$)"

# Latin letter groups to Cyrillic, longest first (the first that fits wins).
TO_CYRILLIC: tuple[tuple[str, str], ...] = (
    ("shch", "щ"), ("sch", "щ"), ("zh", "ж"), ("kh", "х"), ("ch", "ч"), ("sh", "ш"), ("ts", "ц"), ("yu", "ю"),
    ("iu", "ю"), ("ya", "я"), ("ia", "я"), ("yo", "ё"), ("ye", "е"), ("iy", "ий"), ("yy", "ый"), ("y", "ы"),
    ("a", "а"), ("b", "б"), ("v", "в"), ("w", "в"), ("g", "г"), ("d", "д"), ("e", "е"), ("z", "з"), ("i", "и"),
    ("j", "ж"), ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"), ("r", "р"), ("s", "с"),
    ("t", "т"), ("u", "у"), ("f", "ф"), ("h", "х"), ("x", "х"), ("c", "ц"), ("q", "к"), ("'", "ь"),
)
