"""Text as people type it: folding and normalisation per script, language identification, the Telegram HTML
subset (markup) and the scrubbing of personal data. Language knowledge itself lives in `bot.lang`."""
