"""Tools for the NGOs that share the bot: reach links and QR codes, statistics and reports, the queue of
unanswered questions, alerts to subscribers."""

from bot.ngo.links import deep_link, parse_start_payload, start_payload, write_qr
from bot.ngo.stats import collect, stats_text
from bot.ngo.unmatched import group_unanswered

__all__ = ["collect", "deep_link", "group_unanswered", "parse_start_payload", "start_payload", "stats_text",
           "write_qr"]
