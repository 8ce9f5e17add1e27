"""Offers: the warning signs in a pasted offer or contract, the words that raised each, and the risk."""
