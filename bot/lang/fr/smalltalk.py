"""French small talk as data (see bot/lang/en/smalltalk.py)."""

GREETING = "bonjour salut bonsoir coucou hello cc slt allo tout le monde"
THANKS = "merci beaucoup mille bien infiniment"
OK = "ok okay d accord daccord dac super bien compris oui non parfait"
WHO = "qui es tu etes vous c est quoi ce bot tu fais que peux faire"
DOMAIN = ("russie russe moscou offre emploi travail travailler etudes etudier etudiant bourse universite visa "
          "contrat armee militaire guerre front recrut agent agence passeport salaire payer argent frais voyage "
          "signer soldat fils frere mari fille mere famille disparu capture prisonnier police ambassade aide "
          "arnaque piege sur verifier ukraine documents vol billet")
