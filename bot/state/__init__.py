"""The bot's own state in SQLite (sqlite-utils): hashed users, counts, the review queue, subscriptions, alerts.
The only package that writes the state database."""

from bot.state.store import State

__all__ = ["State"]
