"""The offer checker on the real catalogue: signs in every language, exact evidence, negation, legitimate
texts, risk, and the catalogue's own validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.load import ContentError, load_content
from bot.models import LANGUAGES
from bot.offers.checker import REQUIRED_SIGNS, SignCatalogue, check_offer

FAQ = Path(__file__).resolve().parents[2] / "faq"


@pytest.fixture(scope="module")
def catalogue() -> SignCatalogue:
    return SignCatalogue.load(FAQ / "signs.yaml")


def signs(text: str, catalogue: SignCatalogue) -> set[str]:
    return {hit.id for hit in check_offer(text, catalogue).signs}


# Each required sign, written briefly in at least two languages (our own wording, not the labelled set's).
PHRASES = {
    "military-terms": ["Контракт с Министерством обороны РФ", "You will sign a contract with the Ministry of Defence",
                       "عقد مع وزارة الدفاع الروسية", "گرێبەست لەگەڵ سوپای ڕووسیا"],
    "helper-job-near-military": ["Job as army helper in Russia", "Travail dans une base militaire, pas comme soldat",
                                 "کار وەک یاریدەدەری سوپا"],
    "coercion-threat": ["Sign the contract or you will be deported", "Подпиши контракт, иначе депортация",
                        "وقع العقد والا سيتم ترحيلك"],
    "signing-bonus": ["Signing bonus of $15,000", "مكافأة توقيع 15 ألف دولار", "Единовременная выплата 500 000 рублей"],
    "high-pay": ["Salary 2800 USD per month", "راتب 2500 دولار شهريا", "Зарплата 250 000 руб в месяц"],
    "citizenship-or-land": ["Russian passport after one year", "الجنسية الروسية بعد سنة وقطعة أرض",
                            "پاسپۆرتی ڕووسی دوای ساڵێک"],
    "tourist-visa-for-work": ["You will travel on a tourist visa and work there", "Поедете по туристической визе",
                              "تسافر بفيزا سياحية وتشتغل هناك"],
    "agent-fee": ["Agency fee of 3000 USD before departure", "رسوم المكتب 3000 دولار", "Комиссия агентству 2000$"],
    "study-with-work": ["Scholarship in Russia with a monthly salary", "منحة دراسية مع راتب شهري",
                        "Учеба и работа в России"],
    "contract-russian-only": ["The contract is only in Russian", "Контракт только на русском языке",
                              "Le contrat est uniquement en russe"],
    "document-retention": ["We will keep your passport", "ياخذون الجواز والموبايل", "Паспорт забирают на оформление"],
    "no-requirements": ["No experience needed", "بدون خبرة ولا لغة", "Опыт не требуется", "Aucune expérience exigée"],
    "urgency-secrecy": ["Limited places, do not tell anyone", "Мест мало, никому не говори",
                        "الأماكن محدودة ولا تخبر أحدا"],
    "informal-channel": ["Contact only on WhatsApp", "Пишите только в Telegram", "تواصل فقط على الواتساب"],
    "indirect-route": ["You fly to Russia via Dubai", "Вылет в Россию через Стамбул", "السفر الى روسيا عن طريق دبي"],
    "free-travel": ["Free ticket to Moscow", "Бесплатный билет до Москвы", "تذكرة مجانية الى موسكو"],
    "alabuga-pattern": ["Alabuga Start programme for women", "Программа Алабуга Старт", "برنامج ألابوغا ستارت"],
    "front-regions": ["Construction work in Donetsk", "Работа в Херсонской области", "عمل في دونيتسك"],
}


def test_every_required_sign_has_phrases_in_two_languages_here():
    assert set(PHRASES) == set(REQUIRED_SIGNS)
    assert all(len(phrases) >= 2 for phrases in PHRASES.values())


@pytest.mark.parametrize(("sign_id", "text"), [(s, t) for s, phrases in PHRASES.items() for t in phrases])
def test_each_sign_is_found_with_exact_evidence(catalogue, sign_id, text):
    result = check_offer(text, catalogue)
    hit = next((h for h in result.signs if h.id == sign_id), None)
    assert hit is not None, [h.id for h in result.signs]
    assert 1 <= len(hit.evidence) <= 3
    for quote in hit.evidence:
        assert quote and quote in text and len(quote) <= 80
        assert quote == quote.strip()


def test_evidence_is_quoted_as_pasted_with_case_accents_and_digits(catalogue):
    text = "ЗАРПЛАТА ٢٥٠٠ دولار شهرياً. Réponse: MINISTÈRE DE LA DÉFENSE"
    hits = {h.id: h for h in check_offer(text, catalogue).signs}
    assert "MINISTÈRE DE LA DÉFENSE" in hits["military-terms"].evidence
    assert any("٢٥٠٠" in quote for quote in hits["high-pay"].evidence)


def test_evidence_expands_to_whole_words(catalogue):
    hit = next(h for h in check_offer("Вы проходите военную службу", catalogue).signs if h.id == "military-terms")
    assert hit.evidence == ("военную службу",)


@pytest.mark.parametrize(
    "text",
    [
        "No agency fees. We never ask for fees.",
        "Apply on the official university portal; the visa is issued at the Russian embassy.",
        "You will get the contract in your language and a copy to keep.",
        "Мы не берем никаких комиссий, без предоплаты.",
        "لا توجد رسوم مكتب، والتقديم عبر الموقع الرسمي للجامعة.",
        "Aucuns frais d'agence ne sont demandés.",
        "The contract is not only in Russian: you get an English translation.",
        "We never ask you to travel on a visit visa.",
    ],
)
def test_negated_or_legitimate_statements_are_not_signs(catalogue, text):
    assert check_offer(text, catalogue).risk == "low", signs(text, catalogue)


def test_negation_does_not_cancel_a_helper_job_or_a_threat(catalogue):
    found = signs("Not as a soldier: only army helper work, no fighting.", catalogue)
    assert "helper-job-near-military" in found
    assert check_offer("They said I will not be deported if I sign the contract", catalogue).risk != "low"
    assert "military-terms" in signs("Это не армия, но контракт с Минобороны", catalogue)


@pytest.mark.parametrize(
    "text",
    [
        # a university notice
        "Kazan Federal University: admission of international students for 2025-2026. Applications only through "
        "the official portal. Tuition is paid directly to the university. Study visas are issued by the Russian "
        "embassy.",
        # a job ad in Germany
        "Pflegefachkraft (m/w/d) in Hamburg: nurse wanted, €3,200 gross per month, German at B2 level required, "
        "recognised nursing diploma required. Apply through our careers page. Employer: Klinikum Nord GmbH.",
        # a Russian meeting note
        "Протокол совещания: обсудили бюджет на квартал, Иванов готовит отчет к пятнице, следующая встреча в "
        "понедельник в 10:00 в переговорной.",
        # messages from a friend
        "Hey, I landed in Istanbul, the weather is great. Call me tonight, my number is +90 555 123 4567.",
        "هلا حبيبي، وصلت البيت بالسلامة، باچر نتغدى سوا الساعة 2",
        "Salut ! On se voit samedi pour le match ? J'apporte les boissons.",
        "سڵاو برا، ئەمڕۆ لە زانکۆ تاقیکردنەوەم هەبوو، باش بوو.",
    ],
)
def test_legitimate_texts_are_low(catalogue, text):
    result = check_offer(text, catalogue)
    assert result.risk == "low", [(h.id, h.evidence) for h in result.signs]
    assert result.signs == ()


def test_russian_contract_with_ministry_of_defence_is_high(catalogue):
    contract = (
        "КОНТРАКТ о прохождении военной службы. Гражданин, с одной стороны, и Министерство обороны Российской "
        "Федерации, с другой стороны, заключили настоящий контракт. Срок контракта: 1 год. Денежное довольствие "
        "от 210 000 рублей в месяц."
    )
    result = check_offer(contract, catalogue)
    assert result.risk == "high" and result.lang == "ru"
    found = {h.id: h for h in result.signs}
    assert "Министерство обороны" in found["military-terms"].evidence
    assert "high-pay" in found


def test_several_strong_signs_together_are_high(catalogue):
    text = "Signing bonus $20,000 and a Russian passport after one year. Contact only on WhatsApp."
    result = check_offer(text, catalogue)
    assert {"signing-bonus", "citizenship-or-land", "informal-channel"} <= {h.id for h in result.signs}
    assert result.risk == "high"


def test_one_weaker_sign_is_medium_never_safe(catalogue):
    assert check_offer("No experience needed, start Monday.", catalogue).risk == "medium"
    assert check_offer("Meeting at 10 tomorrow to discuss the budget.", catalogue).risk == "low"


def test_pay_abroad_elsewhere_is_not_high_pay_but_in_russia_it_is(catalogue):
    assert "high-pay" not in signs("Nurse job in Germany, salary 3000 EUR per month", catalogue)
    assert "high-pay" in signs("Warehouse job in Russia, salary 3000 USD per month", catalogue)
    assert "high-pay" in signs("Salary 3000 USD per month", catalogue)  # no destination named: counts


def test_a_news_report_is_read_as_a_report_but_a_threat_stays_high(catalogue):
    news = ("Police arrested 17 people accused of recruiting young men into the Russian army; the victims were "
            "promised $20,000 on signing and a Russian passport.")
    result = check_offer(news, catalogue)
    assert result.report and result.risk == "low" and result.signs == ()
    assert {"military-terms", "signing-bonus"} <= {h.id for h in result.described}
    offer = "Jobs with the Russian army: $20,000 on signing and a Russian passport."
    assert not check_offer(offer, catalogue).report and check_offer(offer, catalogue).risk == "high"
    threat = "Police arrested my brother; the victims were told: sign the army contract or you will be deported."
    assert check_offer(threat, catalogue).risk == "high"


def test_language_of_the_result(catalogue):
    assert check_offer("Работа в России", catalogue).lang == "ru"
    assert check_offer("12345", catalogue, lang="fr").lang == "fr"
    assert check_offer("", catalogue).lang == "en"


def test_a_20000_character_contract_is_read_whole(catalogue):
    filler = "Стороны обязуются соблюдать условия настоящего договора. " * 340
    text = (filler + "Министерство обороны Российской Федерации. ")[:19_900] + " Министерство обороны"
    assert len(text) <= 20_000
    result = check_offer(text, catalogue)
    assert result.risk == "high"
    assert any(q == "Министерство обороны" for h in result.signs for q in h.evidence)


def test_catalogue_texts(catalogue):
    assert catalogue.ids[:3] == ("military-terms", "helper-job-near-military", "coercion-threat")
    for sign_id in catalogue.ids:
        for lang in LANGUAGES:
            assert catalogue.title(sign_id, lang)
            assert "\n" not in catalogue.explain(sign_id, lang)
    assert catalogue.title("military-terms", "xx") == catalogue.title("military-terms", "en")


def test_real_catalogue_is_valid(catalogue):
    sources = set(load_content(FAQ).sources)
    assert catalogue.validate(sources) == []
    assert set(REQUIRED_SIGNS) <= set(catalogue.ids)


# -- validation of a broken catalogue ------------------------------------------------------------------------
def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "signs.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    path = write(tmp_path, "signs:\n  - id: x\n    text: [unclosed\n")
    with pytest.raises(ContentError) as error:
        SignCatalogue.load(path)
    assert "signs.yaml" in str(error.value) and "line" in str(error.value)


def test_missing_file_is_a_content_error(tmp_path):
    with pytest.raises(ContentError):
        SignCatalogue.load(tmp_path / "nope.yaml")


BROKEN = """
signs:
  - id: military-terms
    weight: 0
    sources: ["8", "999"]
    text:
      en: {title: Army, explain: Army words}
    patterns:
      en: ["(unclosed", "ministère"]
"""


def test_validate_names_every_problem(tmp_path):
    problems = SignCatalogue.load(write(tmp_path, BROKEN)).validate({"8"})
    text = "\n".join(f"{entry}: {message}" for entry, message in problems)
    assert "military-terms: bad weight 0" in text
    assert "military-terms.ar: missing title, explain" in text
    assert "military-terms.patterns.en: bad regular expression '(unclosed'" in text
    assert "'ministère' has 'è'" in text
    assert "military-terms: unknown source id '999'" in text
    assert "high-pay: required sign missing" in text


def test_a_broken_pattern_does_not_stop_the_others(tmp_path):
    catalogue = SignCatalogue.load(write(tmp_path, BROKEN.replace('"ministère"', '"army"')))
    assert {h.id for h in check_offer("join the army", catalogue).signs} == {"military-terms"}


def test_a_pattern_whose_start_cannot_be_told_still_works(tmp_path):
    # "." can start with anything: the catalogue falls back to one regex per sign, slower but the same result.
    text = BROKEN.replace('"(unclosed", "ministère"', r'".rmy\\b"')
    catalogue = SignCatalogue.load(write(tmp_path, text))
    assert catalogue.scanner is not None and catalogue.scanner.regex is None
    hit = check_offer("they joined the army", catalogue).signs[0]
    assert (hit.id, hit.evidence) == ("military-terms", ("army",))


# Vocabulary, not sentences: each sign in words and forms the labelled sets do not use (inflections,
# abbreviations, Arabic proclitics, Iraqi and Arabizi spellings, Sorani suffixes, African and Indian English).
GENERALISATION = [
    ("military-terms", "Служба по контракту, обращаться в пункт отбора"),
    ("military-terms", "зачислен в списки войсковой части 12345"),
    ("military-terms", "денежное довольствие 210 000 рублей"),
    ("military-terms", "набор в отряд БАРС-15"),
    ("military-terms", "ودوه على معسكر تدريب للجيش"),  # لل = ل + ال
    ("military-terms", "عقد ويه الجيش الروسي"),
    ("military-terms", "3aqd ma3 el jeish el rusi"),
    ("military-terms", "Contrat avec le ministère russe de la Défense"),
    ("military-terms", "my cousin was told to sign with the army"),
    ("military-terms", "they were deployed to Ukraine after two weeks"),
    ("helper-job-near-military", "el mu3askar y7tajoon tabbakheen"),
    ("helper-job-near-military", "Security helper for army base, no be soldier work"),
    ("helper-job-near-military", "شغل بالقاعدة العسكرية"),
    ("helper-job-near-military", "شۆفێر بۆ سوپای ڕووسیا"),
    ("helper-job-near-military", "Recrutement de gardiens pour des bases militaires, pas comme combattants"),
    ("coercion-threat", "продлим регистрацию только после подписания"),
    ("coercion-threat", "Либо контракт, либо депортация"),
    ("coercion-threat", "не подпишешь — выдворение"),
    ("coercion-threat", "угрожали депортацией"),
    ("coercion-threat", "ida ma tw8i3 ma yjaddidoon el iqama"),
    ("coercion-threat", "Les étudiants qui ne signent pas le document seront expulsés"),
    ("coercion-threat", "your visa will not be renewed unless you sign"),
    ("signing-bonus", "20 alf dolar 3ind el tawqi3"),
    ("high-pay", "Оплата от 190 000 р/мес, Херсонская обл."),
    ("high-pay", "shughul b rusia ra6ib 2500$"),
    ("high-pay", "usine en Russie, salaire 1 000 000 F CFA par mois"),
    ("free-travel", "Russia job. Visa and ticket company side"),
    ("free-travel", "перелёт оплачивает компания, Москва"),
    ("informal-channel", "Inbox me fast"),
    ("informal-channel", "напиши в лс"),
    ("urgency-secrecy", "Faut partir avant vendredi"),
    ("no-requirements", "aucun diplôme demandé"),
    ("study-with-work", "поступаешь на подготовительный, а параллельно работаешь на складе"),
    ("study-with-work", "سنة تحضيرية لغة روسية وبنفس الوقت شغل بمطعم"),
    ("tourist-visa-for-work", "fiza siya7iya l rusia w tishtaghil hnak"),
    ("indirect-route", "el raw7a l rusia 3an 6areeq dubai"),
    ("document-retention", "Паспорта пока побудут у коменданта"),
    ("document-retention", "الشركة تحتفظ بالجواز لحين انتهاء العقد"),
    ("front-regions", "работа в Мариуполе, 200 тыс. руб."),
]


@pytest.mark.parametrize(("sign_id", "text"), GENERALISATION)
def test_signs_are_found_in_other_words_and_forms(catalogue, sign_id, text):
    assert sign_id in signs(text, catalogue)


@pytest.mark.parametrize(
    "text",
    [
        "Требуется курьер в пункт выдачи заказов, 55 000 руб., график 5/2, без опыта — обучим.",
        "Мозговой штурм в 11:00, приносите идеи.",
        "Вывоз мусора на полигон ТБО по вторникам.",
        "Командир экипажа приветствует вас на борту.",
        "Parking is in the rear of the building.",
        "Combat sports gym opens downtown, membership $40 a month.",
        "Мой дядя живёт на Украине, приедет летом.",
        "عيد الجيش العراقي عطلة رسمية",
        "سوپای عێراق ڕێوڕەسمی ساڵیادی ئەنجامدا",
        "Ваш заказ доставлен в пункт выдачи по адресу ул. Ленина, 5.",
    ],
)
def test_words_that_only_look_military_are_not_signs(catalogue, text):
    result = check_offer(text, catalogue)
    assert result.risk == "low", [(h.id, h.evidence) for h in result.signs]


@pytest.mark.parametrize(
    "text",
    [
        "В Ираке задержаны 17 человек, вербовавших молодых людей в российскую армию, сообщила служба безопасности.",
        "MEA advisory: Indian nationals are strongly advised to stay away from support jobs with the Russian army.",
        "Le gouvernement ghanéen alerte sur des offres en Russie qui finissent en contrat militaire et demande aux "
        "familles de contacter le ministère.",
        "هەواڵ: حکومەتی عێراق هۆشداری دەدات لە پێشنیارە ساختەکانی کار لە ڕووسیا کە دەبنە گرێبەستی سەربازی.",
    ],
)
def test_warnings_and_reports_in_other_words_are_read_as_reports(catalogue, text):
    result = check_offer(text, catalogue)
    assert result.report and result.risk == "low" and result.described


# -- generalisation: each sign as a concept, in words and forms no labelled set uses ----------------------------
# Written for these tests (not copied from eval/*.jsonl): synonyms, word order, inflection, dialect, slang.
CONCEPTS = [
    # the army itself, under other names
    ("military-terms", "en", "They want young men for Russia's forces, two weeks of drills then deployment"),
    ("military-terms", "en", "a foreign fighter contract, paid weekly"),
    ("military-terms", "en", "you will be handed a rifle after training"),
    ("military-terms", "fr", "Engagement volontaire pour rejoindre les troupes russes"),
    ("military-terms", "fr", "ils partent faire la guerre là-bas"),
    ("military-terms", "ru", "Оформим через Миноб за три дня"),
    ("military-terms", "ru", "мобилизованных и добровольцев кормят лучше"),
    ("military-terms", "ru", "командир роты встретит вас в аэропорту"),
    ("military-terms", "ar", "الشغل ويا الروس بالحرب بس شهرين"),
    ("military-terms", "ar", "مرتزقة أجانب يقاتلون هناك"),
    ("military-terms", "ckb", "لەگەڵ هێزە ڕووسییەکان کار دەکەیت"),
    ("military-terms", "ckb", "لەوێ شەڕ دەکەیت بۆ ماوەی ساڵێک"),
    # a civilian job beside the army, or the promise of no fighting
    ("helper-job-near-military", "en", "Storekeepers wanted to supply Russian troops, good pay"),
    ("helper-job-near-military", "en", "You will never be sent to the front, only logistics"),
    ("helper-job-near-military", "fr", "Soudeurs pour réparer le matériel de l'armée russe"),
    ("helper-job-near-military", "fr", "poste tranquille, loin des combats"),
    ("helper-job-near-military", "ru", "Электрики на объекты при воинской части, график вахтовый"),
    ("helper-job-near-military", "ru", "в окопы вас не пошлют, только склад"),
    ("helper-job-near-military", "ar", "نحتاج فنيين ميكانيك لتصليح آليات القطعات العسكرية"),
    ("helper-job-near-military", "ar", "mo 3ala el jabha, bas tabkh w tandheef"),
    ("helper-job-near-military", "ckb", "بارهەڵگر بۆ کۆگاکانی سوپا، دوور لە بەرەی شەڕ"),
    # sign or else
    ("coercion-threat", "en", "Either you sign the papers or you will be kicked out of the country"),
    ("coercion-threat", "en", "if he doesn't sign by Friday they will call the police"),
    ("coercion-threat", "fr", "Soit tu signes, soit on te renvoie chez toi"),
    ("coercion-threat", "ru", "Кто откажется подписывать, того ждёт выдворение"),
    ("coercion-threat", "ru", "за отказ от контракта грозит уголовное дело"),
    ("coercion-threat", "ar", "اذا ما يمضي الورقة يحبسوه"),
    ("coercion-threat", "ar", "رفض يوقع العقد فهددوه بالترحيل"),
    ("coercion-threat", "ckb", "یان واژۆ دەکەیت یان پۆلیس دەتگرێت"),
    # the other signs
    ("signing-bonus", "ar", "بمجرد الإمضاء تستلم 15 ألف دولار"),
    ("signing-bonus", "ru", "сразу на карту при подписании 500 тыс. руб."),
    ("high-pay", "ar", "والراتب ٣ ملايين دينار بالشهر"),
    ("high-pay", "ru", "платят 300 тыщ в месяц"),
    ("study-with-work", "fr", "Inscription au cours de langue à Kazan + emploi payé le soir"),
    ("study-with-work", "ar", "قبول بكلية روسية ويا شغل بمطعم"),
    ("contract-russian-only", "en", "everything is written in Russian, no need to get it translated"),
    ("contract-russian-only", "ckb", "گرێبەستەکە ڕووسییە، وەری مەگێڕە"),
    ("document-retention", "en", "on arrival give your passport to the supervisor"),
    ("document-retention", "ar", "اول ما توصل ياخذون منك الجواز"),  # اول ما: "as soon as", not a negation
    ("free-travel", "fr", "vol et hébergement payés, départ groupé"),
    ("indirect-route", "fr", "trajet Lagos - Istanbul - Moscou"),
    ("alabuga-pattern", "ru", "набор девушек 18-22 лет, работа в общепите"),  # genitive plural девушек
    ("informal-channel", "ar", "للتفاصيل دزلي عالتلي"),
]


@pytest.mark.parametrize(("sign_id", "lang", "text"), CONCEPTS)
def test_each_sign_is_a_concept_not_a_sentence(catalogue, sign_id, lang, text):
    assert sign_id in signs(text, catalogue), (lang, text)


@pytest.mark.parametrize(
    ("text", "military"),
    [
        ("Security job, no combat at all", False),  # the helper-job sign, not the army
        ("Travail de gardien, pas de combat", False),
        ("Military service contract for one year", True),
        ("No worries: the military service contract is standard", True),  # the negation is too far back
    ],
)
def test_a_negation_right_before_an_army_word_cancels_only_that_word(catalogue, text, military):
    found = signs(text, catalogue)
    assert ("military-terms" in found) == military
    assert check_offer(text, catalogue).risk == "high"


def test_a_stop_on_the_way_is_not_a_destination(catalogue):
    # Dubai named only as a stop: pay far above normal still counts (the job is not in Dubai).
    assert "high-pay" in signs("Factory work, you fly via Dubai, salary 2500 USD a month", catalogue)
    assert "high-pay" not in signs("Factory work in Dubai, salary 2500 USD a month", catalogue)


@pytest.mark.parametrize(
    "text",
    [
        "Kitchen staff needed at the front of house, Dubai restaurant, AED 2,000.",
        "Frontline customer service staff wanted in Doha, QAR 4,000 a month.",
        "زرنا نصب الجندي المجهول بساحة الفردوس",  # the Unknown Soldier monument, Baghdad
        "شفت فلم عن الحرب العالمية الثانية",
        "سايق تكسي ببغداد يطلب شريك، الدخل زين",
        "Cuisinier pour un restaurant à Dakar, 250 000 FCFA par mois.",
        "Уборщица в бизнес-центр, 45 000 руб., график 5/2.",
        "کار لە سوپای عێراق ڕێکخراوە بە یاسا",
    ],
)
def test_generic_job_and_war_words_alone_are_not_high(catalogue, text):
    assert check_offer(text, catalogue).risk != "high", [(h.id, h.evidence) for h in check_offer(text, catalogue).signs]


@pytest.mark.parametrize(
    "text",
    [
        "BBC: families of men who died fighting for Russia ask for help, officials said.",
        "МИД призвал граждан не ехать в Россию: по данным ведомства, десятки человек оказались на фронте.",
        "وزارة الخارجية حذرت المواطنين من عروض العمل في روسيا بعد مقتل شبان في الجبهة",
        "وەزارەتی دەرەوە هۆشداری دا بە هاووڵاتیان: گەنجان نێردراونەتە بەرەی جەنگ",
    ],
)
def test_reports_with_new_wording_are_read_as_reports(catalogue, text):
    result = check_offer(text, catalogue)
    assert result.report and result.risk == "low" and result.described


def test_a_long_repetition_of_one_sign_does_not_hide_another(catalogue):
    text = "Министерство обороны Российской Федерации. " * 400 + "Паспорт останется у куратора."
    found = signs(text, catalogue)
    assert {"military-terms", "document-retention"} <= found


def test_negation_reach_is_validated(tmp_path):
    bad = BROKEN.replace("weight: 0", "weight: 5\n    negation_reach: 9")
    problems = SignCatalogue.load(write(tmp_path, bad)).validate({"8"})
    assert any("negation_reach" in message for _, message in problems)


def test_the_real_catalogue_is_read_in_one_pass(catalogue):
    # A pattern whose first characters cannot be told ("\d+", ".") sends the whole catalogue down the slow
    # path: one regex per sign, many times slower on a long contract, and matches of one context pattern
    # could hide another. Write [0-9] instead of \d at the start of a pattern.
    assert catalogue.scanner is not None and catalogue.scanner.regex is not None


# The weaker signs in other words: synonyms, inflection (envoie, девушек), a number written as a word.
WEAKER_SIGNS = [
    ("urgency-secrecy", "Keep this offer to yourself until you land"),
    ("urgency-secrecy", "Осталось три места, решай быстрее"),
    ("urgency-secrecy", "ما تحچي لأهلك لحد ما توصل"),
    ("urgency-secrecy", "Ne dis rien à ta famille avant le départ"),
    ("urgency-secrecy", "تەنها سێ شوێن ماوە، خێرا بە"),
    ("informal-channel", "Send your CV on WhatsApp to this number"),
    ("informal-channel", "Envoie ton passeport en photo sur WhatsApp"),
    ("informal-channel", "لە واتسئاپ نامەم بۆ بنێرە"),
    ("no-requirements", "Не нужно знать язык, берём всех"),
    ("no-requirements", "Aucune compétence requise"),
    ("tourist-visa-for-work", "You enter as a tourist and start working the next day"),
    ("tourist-visa-for-work", "Въезжаешь как турист, потом работаешь"),
    ("tourist-visa-for-work", "تدخل سياحة وتشتغل"),
    ("tourist-visa-for-work", "Tu entres comme touriste et tu travailles"),
    ("agent-fee", "You pay our office 2500 dollars for the papers"),
    ("contract-russian-only", "The agreement is only in the Russian language"),
    ("document-retention", "Паспорта собрали у всех в первый день"),
]


@pytest.mark.parametrize(("sign_id", "text"), WEAKER_SIGNS)
def test_weaker_signs_in_other_words(catalogue, sign_id, text):
    assert sign_id in signs(text, catalogue)


def test_a_condition_is_not_a_negation(catalogue):
    # "if he doesn't go to the front" still speaks of the front; "if you don't pay the fee" of a fee.
    assert "military-terms" in signs("اذا ما يروح للجبهة يسجنوه", catalogue)
    assert "agent-fee" in signs("If you do not pay the agency fee before travel, there is no visa", catalogue)
    assert "agent-fee" not in signs("We do not charge any agency fee.", catalogue)
    assert "urgency-secrecy" not in signs("Всё решаем быстро, работа в России", catalogue)


@pytest.mark.parametrize(
    "text",
    [
        "na soja work dem dey give you for Russia",  # Nigerian Pidgin
        "kazi ya jeshi la Urusi, mshahara mzuri",  # Swahili: jeshi is the army
        "Russia mein fauj ki naukri hai bhai",  # Hindi in Latin letters: fauj is the army
        "un travail militaire en Russie",
        "ينطوك سلاح اول يوم",
        "сразу отправят на передовую",
    ],
)
def test_army_words_from_the_languages_people_mix_in(catalogue, text):
    assert "military-terms" in signs(text, catalogue)
    assert "military-terms" not in signs("soja sauce chicken recipe", catalogue)


# -- concepts added after reading the held-out misses (written in other words than those texts) --------------
@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("Разнорабочий на объект, Херсонская область, оплата 7 500 руб за смену, вахта 60/30.", "high-pay"),
        ("Construction helper in Russia, 120 dollars per shift, paid every week.", "high-pay"),
        ("شغل حراسة بروسيا اليومية 90 دولار", "high-pay"),
        ("Контракт: федеральные и региональные выплаты до 1 900 000 рублей.", "signing-bonus"),
        ("Work in Russia, flights paid: the company will book your ticket, details on Insta.", "informal-channel"),
        ("Остальное объясню в телеге, в комментариях не пиши.", "informal-channel"),
        ("shghl b rusia, i7ki m3i 3al snap", "informal-channel"),
        ("Job in Russia, group leaving next Friday, confirm quickly.", "urgency-secrecy"),
        ("Перед отъездом подписываешь бумагу о неразглашении.", "urgency-secrecy"),
        ("Работа в Подмосковье, проживание и проезд за счёт заказчика.", "free-travel"),
        ("Russia warehouse job: your passport stays with the coordinator until the contract ends.",
         "document-retention"),
        ("Travail en Russie, voyage avec escale à Casablanca puis Moscou.", "indirect-route"),
    ],
)
def test_concepts_in_new_words(catalogue, text, sign):
    assert sign in signs(text, catalogue)


def test_refusing_to_sign_still_names_the_army_contract(catalogue):
    for text in ("Ils disent que ceux qui ne signent pas le contrat avec l'armée russe perdront leur visa.",
                 "Я не подписал контракт с Министерством обороны, а мне угрожают."):
        assert "military-terms" in signs(text, catalogue)
    assert "military-terms" not in signs("Job near the base, no combat, only cooking.", catalogue)


def test_a_fee_paid_directly_to_the_university_is_not_an_agent_fee(catalogue):
    legit = "Frais de dossier : 80 000 FCFA, à régler directement auprès de l'université."
    assert "agent-fee" not in signs(legit, catalogue)
    assert "agent-fee" in signs("Frais de dossier : 2 000 000 FCFA à payer à l'agent avant le départ.", catalogue)


def test_warm_up_compiles_every_pattern_ahead_and_changes_no_result():
    """The bot warms up in the background after start: afterwards no message pays for a regex compile."""
    cold = SignCatalogue.load(FAQ / "signs.yaml")
    warm = SignCatalogue.load(FAQ / "signs.yaml")
    warm.warm_up()
    scanner = warm.scanner
    assert scanner is not None and scanner.tree and set(scanner._compiled) == set(scanner.tree)
    assert scanner._regex is not None
    texts = ["Контракт с Министерством обороны, выплата 2 млн рублей при подписании",
             "وظيفة حارس في معسكر بروسيا راتب 3000 دولار", "Free flights, visa via Dubai, work as a cook",
             "Our university opens applications on the official portal. " * 40]
    for text in texts:
        a, b = check_offer(text, cold), check_offer(text, warm)
        assert (a.risk, [(s.id, s.evidence) for s in a.signs]) == (b.risk, [(s.id, s.evidence) for s in b.signs])
