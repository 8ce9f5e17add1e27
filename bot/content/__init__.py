"""The content in `faq/`: loading and validating it (topics, signs, contacts, strings, sources), the SQLite
read model it is compiled into, and the cache of objects built from it."""

from bot.content.buildcache import cached, fingerprint
from bot.content.load import Contact, Content, ContentError, Problem, Topic, TopicLanguage, load_content, read_yaml
from bot.content.readmodel import content_from_db, open_read_model
from bot.content.validate import check_content, check_faq

__all__ = [
    "Contact", "Content", "ContentError", "Problem", "Topic", "TopicLanguage",
    "cached", "check_content", "check_faq", "content_from_db", "fingerprint", "load_content", "open_read_model",
    "read_yaml",
]
