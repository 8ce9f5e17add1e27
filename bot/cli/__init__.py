"""The `scambot` command line (click): the only place that reads the environment (through bot.config)."""

from bot.cli.core import main

__all__ = ["main"]
