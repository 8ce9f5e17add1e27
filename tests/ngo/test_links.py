"""Reach links and QR codes: what NGOs print on posters must open the bot with the right source."""

from __future__ import annotations

import png
import pytest
import qrcode
from click.testing import CliRunner

from bot.cli.core import main
from bot.ngo.links import MAX_PAYLOAD, deep_link, parse_start_payload, start_payload, write_qr


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("lang-ar", (None, "ar")),
        ("lang-ckb", (None, "ckb")),
        ("src-basra_uni-2026", ("basra_uni-2026", None)),
        ("lang-fr-src-dakar", ("dakar", "fr")),
        ("lang-ru-src-" + "x" * 50, ("x" * 50, "ru")),
    ],
)
def test_valid_payloads(payload, expected):
    assert parse_start_payload(payload) == expected
    source, lang = expected
    assert start_payload(source, lang) == payload  # the two directions agree


@pytest.mark.parametrize(
    "payload",
    [None, "", "lang-de", "lang-AR", "src-", "src-has space", "src-ünï", "lang-ar-", "lang-arsrc-x", "-src-x",
     "lang-ar-src-" + "x" * 51, "hello", "src-" + "x" * 61],
)
def test_malformed_payloads_give_nothing(payload):
    assert parse_start_payload(payload) == (None, None)


def test_payload_limit_is_telegrams_64_characters():
    longest = start_payload("x" * 50, "ckb")
    assert len(longest) <= MAX_PAYLOAD
    assert parse_start_payload(longest + "x") == (None, None)  # 51-character source
    assert parse_start_payload("src-" + "x" * 60) == (None, None)  # 64 characters but the source is too long


@pytest.mark.parametrize(("source", "lang"), [("a b", None), ("", None), ("x" * 51, None), ("ok", "de"),
                                              ("a/b", "ar"), ("é", None)])
def test_invalid_source_or_language_raises(source, lang):
    with pytest.raises(ValueError):
        start_payload(source, lang)


def test_deep_link():
    assert deep_link("@ScamCheckBot", "basra", "ar") == "https://t.me/ScamCheckBot?start=lang-ar-src-basra"
    assert deep_link("ScamCheckBot", source="basra") == "https://t.me/ScamCheckBot?start=src-basra"
    assert deep_link("ScamCheckBot") == "https://t.me/ScamCheckBot"
    with pytest.raises(ValueError):
        deep_link("not a bot/name", "basra")


def test_qr_png_is_valid_high_correction_and_holds_the_link(tmp_path):
    url = deep_link("ScamCheckBot", "basra_uni_poster", "ar")
    path = tmp_path / "poster.png"
    width, height = write_qr(url, path, box_size=10, border=4)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    w, h, rows, _info = png.Reader(filename=str(path)).read()
    rows = [list(row) for row in rows]
    assert (w, h) == (width, height) and w == h and 250 <= w <= 2000

    # The image shows exactly the matrix of a high-error-correction QR code of the link.
    expected = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_H, border=4)
    expected.add_data(url)
    expected.make(fit=True)
    matrix = expected.get_matrix()  # includes the quiet border
    assert len(matrix) * 10 == w
    for y, line in enumerate(matrix):
        for x, dark in enumerate(line):
            pixel = rows[y * 10 + 5][x * 10 + 5]
            assert (pixel == 0) == dark, (x, y)
    assert not any(matrix[0]) and not any(row[0] for row in matrix)  # a quiet border all round


def test_cli_link_prints_link_and_writes_qr(tmp_path, monkeypatch):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "ScamCheckBot")
    qr = tmp_path / "out" / "qr.png"
    result = CliRunner().invoke(main, ["link", "--source", "erbil_fair", "--lang", "ckb", "--qr", str(qr)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "https://t.me/ScamCheckBot?start=lang-ckb-src-erbil_fair"
    assert qr.read_bytes().startswith(b"\x89PNG")
    result = CliRunner().invoke(main, ["link", "--source", "x", "--bot", "OtherBot"])
    assert result.stdout.strip() == "https://t.me/OtherBot?start=src-x"


@pytest.mark.parametrize("args", [["--source", "bad name"], ["--source", "x" * 51], ["--source", "ok", "--lang", "de"]])
def test_cli_link_rejects_invalid_input_with_exit_2(args, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "ScamCheckBot")
    result = CliRunner().invoke(main, ["link", *args])
    assert result.exit_code == 2
    assert "invalid" in result.output and "https://" not in result.output


def test_cli_link_without_any_username_says_what_to_do(monkeypatch):
    monkeypatch.delenv("TELEGRAM_BOT_USERNAME", raising=False)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    result = CliRunner().invoke(main, ["link", "--source", "x"])
    assert result.exit_code == 2 and "--bot" in result.output


def test_cli_link_asks_telegram_for_the_username_when_a_token_is_set(monkeypatch):
    from fakebotapi import FakeBotAPI

    with FakeBotAPI() as fake:
        monkeypatch.delenv("TELEGRAM_BOT_USERNAME", raising=False)
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", fake.token)
        monkeypatch.setenv("TELEGRAM_API_BASE_URL", fake.base_url)
        result = CliRunner().invoke(main, ["link", "--source", "x"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"https://t.me/{fake.username}?start=src-x"
