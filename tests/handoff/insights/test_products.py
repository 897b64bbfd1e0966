"""The product catalogue and its matcher (handoff/insights/products.py)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from handoff.escalation import MAX_SCANNED_CHARS
from handoff.insights.products import (
    DEFAULT_CATALOGUE,
    MAX_ALIAS_WORDS,
    Catalogue,
    CatalogueError,
    load_catalogue,
    parse_catalogue,
    singular,
    words,
)
from handoff.settings import HandoffSettings
from plumbing.settings import SettingsError

SHOP = Catalogue(
    {
        "Wireless headphones": ["headphones", "earbuds", "bluetooth headphones"],
        "Espresso machine": ["coffee machine", "machine à café"],
        "Coffee beans": ["beans", "coffee bean"],
        "Jacket": [],
        "Rain jacket": ["raincoat"],
        "Charging cable": ["cable", "usb cable"],
        "Battery": [],
        "Glass": ["glasses"],
    }
)


@pytest.mark.parametrize(
    ("text", "products"),
    [
        ("my headphones arrived broken", ["Wireless headphones"]),
        ("the left headphone is quiet", ["Wireless headphones"]),
        ("the BLUETOOTH HEADPHONES and the earbud", ["Wireless headphones"]),
        ("two batteries", ["Battery"]),
        ("a set of glasses, one glass broken", ["Glass"]),
        ("the raincoats", ["Rain jacket"]),
    ],
)
def test_plurals_capitals_and_other_words_find_the_product(text: str, products: list[str]) -> None:
    assert SHOP.find(text) == products


def test_accents_and_case_are_ignored_both_ways() -> None:
    assert SHOP.find("la MACHINE A CAFE fuit") == ["Espresso machine"]
    assert SHOP.find("ma machine à café") == ["Espresso machine"]
    assert Catalogue({"Crème brûlée": []}).find("two creme brulees please") == ["Crème brûlée"]


def test_the_longest_alias_wins_where_aliases_overlap() -> None:
    assert SHOP.find("my rain jacket leaks") == ["Rain jacket"]
    assert SHOP.find("the jacket is fine but the rain jacket leaks") == ["Jacket", "Rain jacket"]
    assert SHOP.find("the coffee beans, and a coffee machine") == [
        "Coffee beans",
        "Espresso machine",
    ]


def test_products_come_once_each_in_order_of_first_mention() -> None:
    text = "the cable, the headphones, then the cable again and the headphones"
    assert SHOP.find(text) == ["Charging cable", "Wireless headphones"]


@pytest.mark.parametrize(
    "text", ["that is very capable of you", "cables-free? no: 'cablecar'", "a beanie", ""]
)
def test_no_product_inside_another_word(text: str) -> None:
    # "cables" is a plural and is found; "capable" and "cablecar" are other words.
    found = SHOP.find(text)
    assert found == (["Charging cable"] if "cables-" in text else [])


def test_words_are_cut_on_anything_but_letters_and_digits() -> None:
    assert words("USB-cable_2, CAFÉ!") == ["usb", "cable", "2", "cafe"]
    assert SHOP.find("my usb-cable") == ["Charging cable"]


def test_singular_rules_make_a_plural_and_its_singular_alike() -> None:
    pairs = [("shoes", "shoe"), ("boxes", "box"), ("watches", "watch"), ("batteries", "battery")]
    for plural, one in pairs:
        assert singular(plural) == singular(one), plural
    assert [singular(w) for w in ("glass", "bus", "iris", "campus")] == [
        "glass",
        "bus",
        "iris",
        "campus",
    ]


def test_a_huge_message_is_read_only_up_to_the_cap_and_fast() -> None:
    filler = "headphone " * (MAX_SCANNED_CHARS // 20)
    beyond = "x" * MAX_SCANNED_CHARS + " cable"
    assert SHOP.find(beyond) == []  # the cable is past the cap
    huge = filler + "coffee " * 2_000_000  # 14 MB of one word that starts an alias
    started = time.perf_counter()
    assert SHOP.find(huge) == ["Wireless headphones"]
    assert time.perf_counter() - started < 0.5


def test_many_near_misses_of_a_long_alias_stay_linear() -> None:
    long = Catalogue({"Thing": ["a a a a a b"]})
    started = time.perf_counter()
    assert long.find("a " * (MAX_SCANNED_CHARS // 2)) == []
    assert long.find("a a a a a b") == ["Thing"]
    assert time.perf_counter() - started < 0.5


def test_the_shipped_catalogue_is_the_demo_shop_s() -> None:
    shop = load_catalogue()
    assert load_catalogue() is shop  # read once, then kept
    assert len(shop) >= 15
    assert {"Running shoes", "Espresso machine", "Wireless headphones", "Yoga mat"} <= set(
        shop.products
    )
    # The seeded orders' items (actions/backend/seed.py) are all found.
    seeded = "running shoes, socks, rain jacket, espresso machine, notebook, pens, desk lamp"
    assert len(shop.find(seeded)) == 7
    # Everyday words that are no product stay unnamed.
    assert shop.find("where is my order? the thing about the stuff, blorp the widget") == []


def test_a_custom_catalogue_file(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.yml"
    path.write_text("Kayak:\n  [kayaks, canoe]\nPaddle: null\nTent: tents\n", encoding="utf-8")

    catalogue = load_catalogue(path)

    assert catalogue.products == ("Kayak", "Paddle", "Tent")
    assert catalogue.find("a canoe, two paddles and a tent") == ["Kayak", "Paddle", "Tent"]
    settings = HandoffSettings.from_env({"HANDOFF_PRODUCTS_FILE": str(path)})
    assert settings.products_file == path
    assert HandoffSettings.from_env({}).products_file is None
    assert load_catalogue(None).products == load_catalogue(DEFAULT_CATALOGUE).products


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("Kayak: [kayaks", "not valid YAML"),
        ("- kayak\n- canoe\n", "mapping of product names"),
        ("", "mapping of product names"),
        ("Kayak: {canoe: 1}\n", "must be a list of text"),
        ("Kayak: [1, 2]\n", "must be a list of text"),
        ("Kayak: ['!!!']\n", "alias with no word"),
        ("Kayak: [canoe]\nCanoe: []\n", "'Canoe' is written the same"),
        ("Kayak: [Canoës]\nCanoe: []\n", "'Canoe' is written the same"),
        (f"Kayak: [{' '.join(['big'] * (MAX_ALIAS_WORDS + 1))}]\n", "more than 6 words"),
        ("1: [c]\n", "each product's name must be text"),
        ("'  ': [c]\n", "each product's name must be text"),
    ],
)
def test_a_malformed_file_is_a_settings_error_naming_the_variable_and_file(
    tmp_path: Path, content: str, says: str
) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(SettingsError) as raised:
        HandoffSettings.from_env({"HANDOFF_PRODUCTS_FILE": str(path)})

    message = str(raised.value)
    assert message.startswith(f"HANDOFF_PRODUCTS_FILE: {path}: ")
    assert says in message


def test_a_missing_or_unreadable_file_is_a_settings_error(tmp_path: Path) -> None:
    with pytest.raises(
        SettingsError, match=r"HANDOFF_PRODUCTS_FILE: .*missing\.yml: cannot be read"
    ):
        HandoffSettings.from_env({"HANDOFF_PRODUCTS_FILE": str(tmp_path / "missing.yml")})
    binary = tmp_path / "binary.yml"
    binary.write_bytes(b"\xff\xfe\x00kayak")
    with pytest.raises(SettingsError, match="cannot be read"):
        HandoffSettings.from_env({"HANDOFF_PRODUCTS_FILE": str(binary)})


def test_a_catalogue_too_big_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("handoff.insights.products.MAX_PRODUCTS", 2)
    with pytest.raises(CatalogueError, match="more than 2 products"):
        parse_catalogue("A: []\nB: []\nC: []\n", "mine.yml")
    monkeypatch.setattr("handoff.insights.products.MAX_FILE_BYTES", 10)
    path = tmp_path / "big.yml"
    path.write_text("Kayak: [canoe, dinghy]\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="larger than 10 bytes"):
        load_catalogue(path)
