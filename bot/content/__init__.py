"""The content in `faq/`: loading and validating it (topics, signs, contacts, strings, sources), the SQLite
read model it is compiled into, and the cache of objects built from it."""
