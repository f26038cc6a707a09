from pathlib import Path

from shop.settings import store_settings

DEMO = Path(__file__).resolve().parents[2] / "data" / "store" / "store.yml"


def test_the_demo_store_name_and_currency_come_from_store_yml():
    settings = store_settings(DEMO)
    assert (settings.name, settings.name_zh, settings.currency) == ("Tidepool Outfitters", "潮汐户外", "USD")
    assert settings.display_name("zh") == "潮汐户外" and settings.display_name("en") == "Tidepool Outfitters"


def test_another_store_is_read_from_its_own_file(tmp_path):
    path = tmp_path / "store.yml"
    path.write_text("name: Kite Shop\ncurrency: eur\n", encoding="utf-8")
    settings = store_settings(path)
    assert (settings.name, settings.name_zh, settings.currency) == ("Kite Shop", "Kite Shop", "EUR")


def test_a_missing_file_gives_a_neutral_store(tmp_path):
    settings = store_settings(tmp_path / "missing.yml")
    assert (settings.name, settings.currency) == ("Our store", "USD")
