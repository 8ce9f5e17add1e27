"""The Telegram adapter: translates updates into engine calls and replies into Telegram messages.

Nothing here decides what to say; `bot.engine` does. Modules: app (building the Application, logging),
handlers (messages, commands, inline), callbacks (button data codec), send (splitting, retries),
flood (per-user rate limit), admin (/stats, /reload, /broadcast).
Deep-link payloads are parsed by bot.ngo.links.
"""
