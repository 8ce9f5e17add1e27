"""English small talk as data: whole short messages that are a greeting, thanks, an "ok" or "who are you"
(bot/text/smalltalk.py reads them), and the words that show a message is about the bot's subject at all."""

GREETING = "hi hello hey hallo hii hiya morning evening good afternoon there yo"
THANKS = "thanks thank thx ty cheers grateful much lot very you so"
OK = "ok okay k fine alright good great understood got it yes no cool"
WHO = "who are you what is this bot can do your name"
# Words that show the bot's subject (offers, Russia, the army, documents, money, family in danger):
# a message with none of them and no answer is off-topic, not a question the bot failed.
DOMAIN = ("russia russian moscow offer job work study student scholarship university visa contract army military "
          "war front recruit agent agency passport salary pay money fee travel sign soldier son brother husband "
          "daughter mother family missing captured prisoner police embassy help hotline scam trap safe check "
          "ukraine documents flight ticket")
