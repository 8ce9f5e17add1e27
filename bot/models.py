"""Plain data passed between the engine and its adapters.

Adapters (Telegram, command line, local chat) only ever see these types; none of them holds logic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.lang import LANGUAGES as LANGUAGES  # re-exported: the codes travel with the data types

RISK_LEVELS: tuple[str, ...] = ("low", "medium", "high")


@dataclass(frozen=True)
class Button:
    """A button the reply offers. `action` is engine-level; adapters encode it for their transport.

    Actions: "topic:<id>", "hotline", "check", "signs", "ask", "language", "lang:<code>",
    "country:<CC>", "none" (none of the suggestions fit).
    """

    label: str
    action: str


@dataclass(frozen=True)
class Reply:
    """What the user is shown. `text` is Telegram's HTML subset; user fragments are already escaped."""

    text: str
    lang: str
    kind: str  # "answer" | "choices" | "fallback" | "check" | "urgent" | "info"
    buttons: tuple[tuple[Button, ...], ...] = ()
    topic: str | None = None  # the topic answered, when kind is "answer" or "urgent"
    candidates: tuple[str, ...] = ()  # topic ids offered, when kind is "choices"
    risk: str | None = None  # when kind is "check"
    signs: tuple[str, ...] = ()  # warning-sign ids found, when kind is "check"
    more: str = ""  # the rest of a long reply (all signs with quotes, further steps), behind the "more" button


@dataclass(frozen=True)
class TopicScore:
    id: str
    score: float  # 0-100


@dataclass(frozen=True)
class MatchResult:
    lang: str
    answered: bool  # confident enough to answer with topics[0]
    topics: tuple[TopicScore, ...] = ()  # at most 3, best first
    urgent: bool = False  # the best topic is on the urgent path


@dataclass(frozen=True)
class SignHit:
    id: str
    weight: int
    evidence: tuple[str, ...]  # the exact words of the text that raised the sign


@dataclass(frozen=True)
class CheckResult:
    lang: str
    risk: str  # "low" means no warning sign found, never "safe"
    signs: tuple[SignHit, ...] = field(default_factory=tuple)
    # A news report or an official warning about these schemes: it names their signs without being an offer.
    # Its signs go to `described`, not `signs`, and its risk is "low" (the reply says what it is instead).
    report: bool = False
    described: tuple[SignHit, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Card:
    """A shareable warning card (inline mode)."""

    id: str
    title: str
    description: str
    text: str  # HTML, like Reply.text
