"""French words as data (folded: no accents)."""

from __future__ import annotations

from bot.lang.base import longest_first, word_set

# Frequent words (and the bot's own subjects) that tell French among Latin-script texts.
FUNCTION_WORDS = word_set(
    "a ai ambassade argent armee au aussi aux avec avoir bonjour bourse c ce cette combien comment "
    "contrat dans de des donc du elle emploi en est et etudes etudiant faire fils frere ici il ils j "
    "je la le les leur ma mais mari merci mes moi mon moscou ne non nos notre nous numero offre on ou "
    "oui par pas peut pour pourquoi promet quand que qui quoi russe russes russie sa salaire salut se "
    "ses si soeur son suis sur ta te ton travail tres tu un une vos votre vous "
)

ACCENTS = "[éèêàçùâîôëïû]"  # in the lower-cased text, before folding
# Elisions English never writes: "qu'", "c'est" (2 points each), "j'" (1 point).
ELISIONS = (("qu'", 2), ("c'est", 2), ("j'", 1))

# Inflection endings (folded).
STEM_SUFFIXES = longest_first(
    "ements ement ees ent ons ait ez es ee er ai e s x "
)
