"""Arabic small talk as data, in Arabic script and in arabizi (Latin letters with digits), Iraqi forms included
(see bot/lang/en/smalltalk.py). Folded by bot/text/smalltalk.py as every text is, so spelling variants of
alef, taa marbuta and ya need no separate entry."""

GREETING = ("مرحبا مرحبه هلا هلو هلاو السلام سلام عليكم عليكم اهلا اهلين شلونك شلونكم صباح مساء الخير النور "
            "marhaba mar7aba hala hla hallo salam slm salamu alaikum alaykum 3alaykum 3likum ahlan shlonak "
            "shlonk sba7 el5er elkhair alkhair")
THANKS = ("شكرا شكراً جزيلا مشكور مشكورين تسلم تسلمون الله يخليك يعطيك العافيه عاشت ايدك ايديك "
          "shukran shokran shukrn mashkor mashkoor tislam allah yikhalik 3ashat eedak")
OK = "اوكي اوك تمام زين ماشي طيب فهمت نعم لا اي ok okay tamam zain zen mashi tayeb fahamt ee la"
WHO = "منو انت انتو من شنو هذا البوت شتسوي شتكدر تسوي شغلك minu mnu inta enta shnu hatha albot shtsawi"
DOMAIN = ("روسيا روسي موسكو عرض شغل عمل دراسه منحه جامعه فيزا تاشيره عقد جيش عسكري حرب جبهه تجنيد وكيل "
          "مكتب جواز راتب فلوس دفع سفر توقيع جندي ابني اخوي زوجي بنتي امي اهلي مفقود اسير شرطه سفاره "
          "مساعده نصب فخ امان افحص اوكرانيا اوراق تذكره "
          "rusia russia roosia rosia moscow 3ard shughul shugl 3amal dirasa man7a jam3a visa 3akd 3aqd jaish "
          "wakeel jawaz rateb flos safar ebni ibni akhoy")
