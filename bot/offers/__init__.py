"""Offers: the warning signs in a pasted offer or contract, the words that raised each, and the risk."""

from bot.offers.checker import SignCatalogue, check_offer

__all__ = ["SignCatalogue", "check_offer"]
