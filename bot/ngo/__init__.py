"""Tools for the NGOs that share the bot: reach links and QR codes, statistics and reports, the queue of
unanswered questions, alerts to subscribers."""
