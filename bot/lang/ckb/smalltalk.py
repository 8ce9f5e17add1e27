"""Sorani Kurdish small talk as data, in both spellings of ی/ي and ک/ك (folded alike by bot/text/smalltalk.py);
see bot/lang/en/smalltalk.py."""

GREETING = "سڵاو سلاو چۆنی چونی بەیانی باش ئێوارە ڕۆژ ئاشنا silaw slaw chony bayani bash"
THANKS = "سوپاس زۆر دەستخۆش دەست خۆش بژی spas supas zor dastxosh"
OK = "باشە باشه ئۆکەی ئەی بەڵێ نەخێر تێگەیشتم ok bashe bashy"
WHO = "تۆ کێیت کێی چیت ئەم بۆتە چی دەکەیت دەتوانیت چییە"
DOMAIN = ("ڕووسیا روسیا مۆسکۆ کار کاری خوێندن زانکۆ سکۆلەرشیپ ڤیزا گرێبەست سوپا سەربازی شەڕ بەرە وەکیل "
          "پاسپۆرت مووچە پارە گەشت واژۆ سەرباز کوڕەکەم کوڕم براکەم برام مێردەکەم کچەکەم دایکم بێسەروشوێن دیل "
          "پۆلیس باڵیۆزخانە یارمەتی فێڵ تەڵە پشکنین ئۆکرانیا بەڵگەنامە")
