"""The `scambot` command line: a thin adapter over the engine (and, lazily, the other adapters).

Subcommands of other areas live in their own modules and are imported only when used, so that
`scambot ask` does not pay for importing python-telegram-bot.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
from pathlib import Path

import click

from bot.config import Config, ConfigError
from bot.content.load import ContentError
from bot.models import LANGUAGES, Reply
from bot.text.markup import to_plain

# name -> "module:attribute" of commands defined by other areas (Telegram adapter, NGO tools).
LAZY_COMMANDS = {
    "run": "bot.cli.telegram:run",
    "webhook": "bot.cli.telegram:webhook",
    "link": "bot.cli.ngo:link",
    "poster": "bot.cli.ngo:poster",
    "stats": "bot.cli.ngo:stats",
    "report": "bot.cli.ngo:report",
    "unmatched": "bot.cli.ngo:unmatched",
    "broadcast": "bot.cli.ngo:broadcast",
}


class LazyGroup(click.Group):
    """A click group whose some subcommands are imported on first use (the pattern from click's docs)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self._available_lazy()])

    def _available_lazy(self) -> list[str]:
        found = []
        for name, target in LAZY_COMMANDS.items():
            module = target.split(":")[0]
            if importlib.util.find_spec(module) is not None:
                found.append(name)
        return found

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS and cmd_name not in self.commands:
            module_name, attribute = LAZY_COMMANDS[cmd_name].split(":")
            if importlib.util.find_spec(module_name) is None:
                return None
            return getattr(importlib.import_module(module_name), attribute)
        return super().get_command(ctx, cmd_name)


# The person at the terminal, for the statistics: one person, counted under the keyed hash of this number.
LOCAL_PERSON = 0


def load_engine(config: Config):
    """The engine, or a clear message naming the broken content file and line."""
    from bot.engine import Engine

    try:
        return Engine.load(config)
    except ContentError as error:
        click.echo("The content in faq/ cannot be served:", err=True)
        for problem in error.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(2)


def print_reply(reply: Reply) -> None:
    click.echo(to_plain(reply.text))
    labels = [button.label for row in reply.buttons for button in row]
    if labels:
        click.echo("[" + "] [".join(labels) + "]")


@click.group(cls=LazyGroup, invoke_without_command=True)
@click.version_option(package_name="scambot")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Warns people about study and work offers in Russia that turn into army contracts.

    With no command: runs the Telegram bot when TELEGRAM_BOT_TOKEN is set, otherwise the local chat.
    """
    # Everything the bot writes (state, key, caches, reports) is for its own account only: files 0600,
    # folders 0700 (docs/PRIVACY.md). Set before anything is created.
    os.umask(0o077)
    if ctx.obj is None:
        try:
            ctx.obj = Config.from_env()  # the environment is read here, once; every command is given this
        except ConfigError as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(2)
    if ctx.invoked_subcommand is not None:
        return
    run = main.get_command(ctx, "run")
    if ctx.obj.token and run is not None:
        ctx.invoke(run)
    else:
        click.echo("No TELEGRAM_BOT_TOKEN set: starting the local chat (the same replies as the bot).", err=True)
        ctx.invoke(chat)


LANG_CHOICE = click.Choice(LANGUAGES)


@main.command()
@click.argument("text", nargs=-1, required=True)
@click.option("--lang", type=LANG_CHOICE, help="Reply language when the text does not show one.")
@click.pass_obj
def ask(config: Config, text: tuple[str, ...], lang: str | None) -> None:
    """Print the reply a user would get to TEXT.

    \b
    Example:
      scambot ask "they offered me a scholarship in Moscow with a salary, is it safe?"
    """
    print_reply(load_engine(config).respond(_not_empty(" ".join(text)), lang))


@main.command()
@click.option("--no-stats", is_flag=True, help="Count nothing (by default the chat counts like the bot).")
@click.pass_obj
def chat(config: Config, no_stats: bool) -> None:
    """A local conversation in the terminal, with the same replies as the bot."""
    from bot.conversation import Conversation, NoStore, Store
    from bot.localchat import run_chat

    engine = load_engine(config)
    store: Store = NoStore()
    ref = None
    if not no_stats:
        from bot.state import State

        state = State.open(config.data_dir, config.retention_days, config.hash_key)
        store, ref = state, state.user_ref(LOCAL_PERSON)
    run_chat(Conversation(engine, store, config.retention_days), sys.stdin, click.echo, ref)


STRICT = click.option("--strict", is_flag=True,
                      help="Stop at the first line that is not a JSON object with a \"text\" string.")


@main.command()
@click.option("--jsonl", is_flag=True, required=True, help='Read {"text": ...} lines on stdin, write one result each.')
@click.option("--explain", is_flag=True, help='Add "explain": the evidence of the best topics and the decision.')
@STRICT
@click.pass_obj
def match(config: Config, jsonl: bool, explain: bool, strict: bool) -> None:
    """Match questions to topics: {"lang", "answered", "topics": [{"id", "score"}]} per input line.

    A line that cannot be read gives {"line": N, "error": "..."} in its place (and a line on stderr); the run
    goes on and exits 1 at the end, or stops there with --strict.

    \b
    Example:
      echo '{"text": "is a job in Moscow safe"}' | scambot match --jsonl
    """
    engine = load_engine(config)

    def one(text: str) -> dict:
        result = engine.match(text)
        return {"lang": result.lang, "answered": result.answered,
                "topics": [{"id": t.id, "score": t.score} for t in result.topics],
                **({"explain": engine.matcher.explain(text)} if explain else {})}

    _each_line(one, strict)


RISK_ORDER = ("none", "low", "medium", "high")


@main.command()
@click.argument("text", nargs=-1)
@click.option("--jsonl", is_flag=True, help='Read {"text": ...} lines on stdin, write one result each.')
@click.option("--lang", type=LANG_CHOICE, help="Reply language when the text does not show one.")
@click.option("--fail-on", type=click.Choice(["high", "medium"]), default=None,
              help="Exit 1 when any text is rated at this risk or above (for scripts).")
@STRICT
@click.pass_obj
def check(config: Config, text: tuple[str, ...], jsonl: bool, lang: str | None, fail_on: str | None,
          strict: bool) -> None:
    """Show the warning signs in an offer or contract TEXT, with the words that raised them.

    TEXT may be "-" (or left out with text piped in) to read the offer from stdin. "No warning sign found"
    never means that an offer is safe.

    \b
    Examples:
      scambot check "Work in Russia, 3000 USD a month, free visa, contract on arrival"
      scambot check - < offer.txt
      scambot check --fail-on high - < offer.txt && echo "not rated high"
      scambot check --jsonl < offers.jsonl
    """
    engine = load_engine(config)
    risks: list[str] = []
    if not jsonl:
        reply = engine.check_reply(_offer_text(text), lang)
        risks.append(reply.risk or "none")
        print_reply(reply)
    else:
        def one(offer: str) -> dict:
            result = engine.check(offer)
            risks.append(result.risk)
            return {
                "lang": result.lang, "risk": result.risk,
                "signs": [{"id": s.id, "evidence": list(s.evidence)} for s in result.signs],
                **({"report": True, "described": [s.id for s in result.described]} if result.report else {}),
            }

        _each_line(one, strict)
    if fail_on and any(RISK_ORDER.index(r) >= RISK_ORDER.index(fail_on) for r in risks if r in RISK_ORDER):
        sys.exit(1)


def _not_empty(text: str) -> str:
    if not text.strip():
        raise click.UsageError("the text is empty: there is nothing to read")
    return text


def _offer_text(args: tuple[str, ...]) -> str:
    """The offer from the arguments, from stdin for "-" or when text is piped in; never a file's name."""
    if args in ((), ("-",)):
        if args == () and sys.stdin.isatty():
            raise click.UsageError("give the TEXT to check, - to read it from stdin, or --jsonl with lines on stdin")
        return _not_empty(sys.stdin.read())
    if len(args) == 1 and "\n" not in args[0] and len(args[0]) < 4096 and Path(args[0]).is_file():
        raise click.UsageError(f"{args[0]!r} is a file: to check what it says, run  scambot check - < {args[0]}")
    return _not_empty(" ".join(args))


def _each_line(answer, strict: bool) -> None:
    """One JSON line out per non-empty line in; a bad line is named by its number, in place of its result."""
    bad = 0
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            text = _text_of(line)
        except click.ClickException as error:
            if strict:
                raise click.ClickException(f"line {number}: {error.message}") from None
            bad += 1
            click.echo(f"line {number}: {error.message}", err=True)
            click.echo(json.dumps({"line": number, "error": error.message}))
            continue
        click.echo(json.dumps(answer(text), ensure_ascii=False))
    if bad:
        click.echo(f"{bad} line(s) could not be read", err=True)
        sys.exit(1)


def _text_of(line: str) -> str:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        raise click.ClickException(f"not a JSON line: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise click.ClickException('each line must be an object with a "text" string')
    return data["text"]


@main.command(name="eval")
@click.option("--questions", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Labelled questions (JSONL).")
@click.option("--offers", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Labelled offers (JSONL).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option("--blind", type=click.Choice(["test", "dev"]), default=None,
              help="Only the frozen blind questions (eval/blind/), per dialect: the test half is the one reported.")
@click.option("--misses", is_flag=True, help="With --blind: list every question not answered right.")
@click.option("--blend", type=click.Choice(["today", "classifier"]), default=None,
              help="Measure the matcher with another blend of its evidence (bot/questions/matcher.py BLENDS).")
@click.pass_obj
def evaluate(config: Config, questions: Path | None, offers: Path | None, as_json: bool, blind: str | None,
             misses: bool, blend: str | None) -> None:
    """Measure matching accuracy and the offer checker on the labelled sets in eval/."""
    if blind:
        from bot.evaluation.blind import run_blind

        engine = load_engine(config)
        engine.warm_up()
        if blend:
            from bot.questions.matcher import BLENDS

            engine.matcher.weights = BLENDS[blend]
        figures, text = run_blind(engine.match, config.eval_dir, blind)
        if not misses:
            figures.pop("misses")
        elif not as_json:
            text += "\n" + "\n".join(json.dumps(m, ensure_ascii=False) for m in figures["misses"])
        click.echo(json.dumps(figures, indent=1, ensure_ascii=False) if as_json else text)
        return
    from bot.evaluation.questions import run_evaluation

    report, text = run_evaluation(load_engine(config), questions, offers, config.eval_dir)
    click.echo(json.dumps(report, indent=1, ensure_ascii=False) if as_json else text)


@main.group()
def faq() -> None:
    """The content in faq/."""


@faq.command(name="check")
@click.option("--research", "research_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="Also hold every figure to a note of a cited source (shared/research/).")
@click.pass_obj
def faq_check(config: Config, research_dir: Path | None) -> None:
    """Validate all content; name the file and entry of every problem."""
    from bot.content.validate import check_faq, check_faq_research

    problems = check_faq(config.faq_dir, config.contacts_override)
    if research_dir is not None:
        problems += check_faq_research(config.faq_dir, research_dir, config.contacts_override)
    for problem in problems:
        click.echo(f"{'ERROR' if problem.fatal else 'WARNING'} {problem}")
    if problems:
        fatal = sum(p.fatal for p in problems)
        click.echo(f"{len(problems)} problems ({fatal} errors) in {config.faq_dir}", err=True)
        sys.exit(1)
    click.echo(f"faq/ is valid: {config.faq_dir}")


@faq.command(name="list")
@click.option("--jsonl", is_flag=True, required=True, help="One JSON line per example question.")
@click.pass_obj
def faq_list(config: Config, jsonl: bool) -> None:
    """Every example question as {"topic", "lang", "text"}."""
    engine = load_engine(config)
    for topic in engine.content.topics.values():
        for lang, entry in topic.langs.items():
            for example in entry.examples:
                click.echo(json.dumps({"topic": topic.id, "lang": lang, "text": example}, ensure_ascii=False))
