"""Text analysis for search, shared by every backend (pure Python: no ORM, no Django).

One function turns text into index tokens (`analyze`), one turns a query into lemmas (`lemmatize`); both
use the same per-language pipeline so that index and query meet:

- **Finnish**: Voikko (libvoikko1 + voikko-fi, loaded through the PyPI `libvoikko` ctypes binding) gives the
  base form (lemma) and the compound structure: `akkukennojen` → lemma `akkukenno`, parts `akku`, `kenno`.
  Without Voikko, Finnish falls back to the Snowball stemmer (PyStemmer), without compound parts, and
  `analysis_status()` reports it so the admin (system check `search.W001`) and the logs show it.
- **Swedish**: Snowball, plus a dictionary normalisation of definite/plural forms (`batteriet` → `batteri`)
  and dictionary decompounding (`battericellstillverkning` → `batteri`, `cell`, `tillverkning`) from the
  installed hunspell word list (`/usr/share/hunspell/sv_SE.dic`), which also marks which words may start,
  continue or end a compound. Without the word list, plain Snowball (`search.W002`).
- **English**: Snowball (Porter 2).

Compound parts are returned as `Token(kind="part")` with a lower weight than whole lemmas; queries use
lemmas only. Letters ä, ö and å are never folded: they are distinct letters in both languages.
Engines are created once per process and every word analysis is cached.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import Stemmer

logger = logging.getLogger(__name__)

LANGUAGES: tuple[str, ...] = ("fi", "sv", "en")
LEMMA_WEIGHT = 1.0
PART_WEIGHT = 0.5
MIN_PART_LENGTH = 3
MAX_WORD_LENGTH = 60  # longer "words" are noise (hashes, URLs): skipped, never sent to Voikko
SWEDISH_DICTIONARY_PATH = Path("/usr/share/hunspell/sv_SE.dic")

# Word characters as FTS5's unicode61 tokenizer and PostgreSQL's parser both keep them: letters and digits.
# Underscore and combining marks separate words (text is NFC-normalised first, so ä/ö/å are single letters).
WORD_RE = re.compile(r"[^\W_]+")


class UnknownLanguage(ValueError):  # noqa: N818 - the name is part of the public interface
    """The language code is not one of fi, sv, en (the API maps this to HTTP 400)."""

    def __init__(self, language: object) -> None:
        super().__init__(f"Unknown search language {language!r}; use one of: {', '.join(LANGUAGES)}")
        self.language = language


class Token(NamedTuple):
    term: str
    weight: float
    kind: str  # "lemma" or "part"


_LANGUAGE_TAG_RE = re.compile(r"^\s*([A-Za-z]{2})(?:[-_][A-Za-z0-9]{2,8})?\s*$")


def normalise_language(language: object) -> str:
    """`fi`, `FI`, `fi-FI` and `sv_SE` are accepted; anything else raises `UnknownLanguage`."""
    match = _LANGUAGE_TAG_RE.match(language) if isinstance(language, str) else None
    code = match.group(1).lower() if match else ""
    if code not in LANGUAGES:
        raise UnknownLanguage(language)
    return code


def words(text: str) -> list[str]:
    """The words of `text` in their original case (NFC-normalised), split on anything but letters/digits."""
    if not text:
        return []
    return WORD_RE.findall(unicodedata.normalize("NFC", text))


# --- Stop words (written for this project; short on purpose: only words that carry no topic) -----------

STOP_WORDS: dict[str, frozenset[str]] = {
    "fi": frozenset(
        """
        ja tai sekä että eli mutta vaan kuin kun jos niin myös vain jo nyt siis sekä eikä ei en et emme ette
        eivät olla on ovat oli olivat ole olen olet olemme olette ollut olleet ollaan olisi ovatko onko
        se ne sen sitä siitä sille siihen siinä sillä siltä niiden niitä niistä niille niihin niissä
        joka jotka jonka joita joiden johon jossa josta jolla jolle jolloin joissa joista joille
        mikä mitkä mitä minkä missä mistä mihin tämä nämä tuo nuo tämän näiden tätä näitä tässä täällä
        hän he me te minä sinä hänen heidän meidän teidän minun sinun itse oma omat
        kanssa kautta mukaan noin yli ilman esim mm yms jne ym tms
        """.split()
    ),
    "sv": frozenset(
        """
        och att det som en ett på är av för med till den de dem har hade ha inte om han hon men var
        jag sig från vi så kan man när där eller vid också nu sina sin sitt dess deras detta dessa denna
        vara varit blir bli blev skall ska ut upp utan än bara hos då vilka vilken vilket samt i
        oss er ni du dig mig min mitt mina din ditt dina hans hennes dess vår vårt våra här sådan sådana
        """.split()
    ),
    "en": frozenset(
        """
        a an the and or of in on at to for with by from is are was were be been being as it its this that
        these those you your we our they their he she his her will can may not no into about which who whom
        what how also than then so such do does did has have had i me my if but all any each other some
        there here when where why up out over only own same very just should would could via per
        """.split()
    ),
}


def is_stop_word(word: str, language: str) -> bool:
    return word.lower() in STOP_WORDS[language]


# --- Engine loading (monkeypatch `load_voikko` / `load_swedish_dictionary` in tests, then `reset()`) ------


def load_voikko() -> Any | None:
    """A Voikko handle for Finnish, or None when libvoikko1/voikko-fi (or the binding) are missing."""
    try:
        import libvoikko
    except ImportError:
        return None
    try:
        return libvoikko.Voikko("fi")
    except Exception as exc:  # OSError (no libvoikko.so.1) or VoikkoException (no dictionary)
        logger.debug("Voikko unavailable: %s", exc)
        return None


@dataclass
class SwedishDictionary:
    """Word list from a hunspell dictionary, prepared for normalisation and decompounding."""

    words: frozenset[str]
    begin: dict[str, str]  # form allowed first in a compound → its base word
    middle: dict[str, str]  # form allowed inside a compound → its base word
    end_stems: frozenset[str]  # Snowball stems of words allowed last in a compound
    source: str = ""
    size: int = field(default=0)


def load_swedish_dictionary(path: Path | None = None) -> SwedishDictionary | None:
    """Read the hunspell Swedish dictionary (.dic + .aff) or return None when it is not installed."""
    dic = path or SWEDISH_DICTIONARY_PATH
    if not dic.exists():
        return None
    try:
        return _parse_hunspell(dic, dic.with_suffix(".aff"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        logger.warning("Could not read the Swedish dictionary %s: %s", dic, exc)
        return None


def _parse_affix_rules(aff: Path) -> dict[str, list[tuple[str, str, str, re.Pattern[str]]]]:
    """SFX rules whose results are compound forms (continuation flags with W): flag → rules."""
    rules: dict[str, list[tuple[str, str, str, re.Pattern[str]]]] = {}
    if not aff.exists():
        return rules
    for line in aff.read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if len(fields) < 5 or fields[0] != "SFX":
            continue
        flag, strip, add, condition = fields[1], fields[2], fields[3], fields[4]
        add, _sep, cont = add.partition("/")
        if "W" not in cont:
            continue
        strip = "" if strip == "0" else strip
        add = "" if add == "0" else add
        rules.setdefault(flag, []).append((strip, add, cont, re.compile(f"(?:{condition})$")))
    return rules


def _parse_hunspell(dic: Path, aff: Path) -> SwedishDictionary:
    rules = _parse_affix_rules(aff)
    stemmer = Stemmer.Stemmer("swedish")
    all_words: set[str] = set()
    begin: dict[str, str] = {}
    middle: dict[str, str] = {}
    end_words: set[str] = set()
    with dic.open(encoding="utf-8") as handle:
        next(handle, None)  # the first line is the entry count
        for line in handle:
            entry = line.split("\t", 1)[0].split(" ", 1)[0].strip()
            if not entry:
                continue
            word, _sep, flags = entry.partition("/")
            if not word or not word.isalpha():
                continue
            lower = word.lower()
            all_words.add(lower)
            if word[0].isupper() or len(lower) < 2:
                continue  # proper nouns and abbreviations never take part in decompounding here
            if "X" in flags:
                begin.setdefault(lower, lower)
            if "U" in flags:
                middle.setdefault(lower, lower)
            if "Y" in flags:
                end_words.add(lower)
            for flag in flags:
                for strip, add, cont, condition in rules.get(flag, ()):
                    if not condition.search(lower) or (strip and not lower.endswith(strip)):
                        continue
                    form = (lower[: -len(strip)] if strip else lower) + add
                    if "X" in cont:
                        begin.setdefault(form, lower)
                    if "U" in cont:
                        middle.setdefault(form, lower)
    end_stems = frozenset(stemmer.stemWords(sorted(end_words)))
    return SwedishDictionary(
        words=frozenset(all_words),
        begin=begin,
        middle=middle,
        end_stems=end_stems,
        source=str(dic),
        size=len(all_words),
    )


class _Engines:
    """Process-wide analysers, created on first use (Voikko handles are expensive and not thread-safe)."""

    def __init__(self) -> None:
        self.voikko = load_voikko()
        self.voikko_lock = threading.Lock()
        self.swedish = load_swedish_dictionary()
        self.stemmers = {
            "fi": Stemmer.Stemmer("finnish"),
            "sv": Stemmer.Stemmer("swedish"),
            "en": Stemmer.Stemmer("english"),
        }
        self.stem_lock = threading.Lock()  # PyStemmer objects keep a per-object cache
        self.notices: list[str] = []
        if self.voikko is None:
            self.notices.append(
                "Voikko (Debian packages libvoikko1 and voikko-fi) is not available: Finnish search uses "
                "Snowball stemming without compound splitting, so inflected and compound Finnish words "
                "match less well."
            )
        if self.swedish is None:
            self.notices.append(
                f"The Swedish hunspell dictionary ({SWEDISH_DICTIONARY_PATH}, Debian package hunspell-sv-se) "
                "is not available: Swedish compounds are not split."
            )
        for notice in self.notices:
            logger.warning("search analysis: %s", notice)

    def stem(self, language: str, word: str) -> str:
        with self.stem_lock:
            return str(self.stemmers[language].stemWord(word))


_engines_lock = threading.Lock()
_engines_instance: _Engines | None = None


def _engines() -> _Engines:
    global _engines_instance
    engines = _engines_instance
    if engines is None:
        with _engines_lock:
            if _engines_instance is None:
                _engines_instance = _Engines()
            engines = _engines_instance
    return engines


def reset() -> None:
    """Forget the loaded engines and every cached analysis (tests inject engines this way)."""
    global _engines_instance
    with _engines_lock:
        _engines_instance = None
    for cached in _CACHED:
        cached.cache_clear()


def analysis_status() -> dict[str, Any]:
    """Which engine analyses each language, and the notices to show when a fallback is active."""
    engines = _engines()
    return {
        "fi": "voikko" if engines.voikko is not None else "snowball",
        "sv": "snowball+hunspell" if engines.swedish is not None else "snowball",
        "en": "snowball",
        "voikko": engines.voikko is not None,
        "swedish_dictionary": engines.swedish.source if engines.swedish is not None else None,
        "notices": list(engines.notices),
    }


# --- Per-word analysis: (lemmas, parts), cached -------------------------------------------------------


class WordAnalysis(NamedTuple):
    lemmas: tuple[str, ...]  # alternatives, preferred first
    parts: tuple[str, ...]  # compound parts and sub-compounds (index side only)


_EMPTY = WordAnalysis((), ())


@lru_cache(maxsize=300_000)
def analyse_word(word: str, language: str) -> WordAnalysis:
    """Lemmas and compound parts of one word (stop words give an empty analysis)."""
    lower = word.lower()
    if not lower.isalnum():  # lower-casing can add combining marks ("İ" → "i̇"): keep letters and digits
        lower = "".join(char for char in lower if char.isalnum())
    if len(lower) > MAX_WORD_LENGTH or (len(lower) < 2 and not lower.isdigit()):
        return _EMPTY
    if lower in STOP_WORDS[language]:
        return _EMPTY
    if lower.isdigit():
        return WordAnalysis((lower,), ())
    if language == "fi":
        return _analyse_finnish(word, lower)
    if language == "sv":
        return _analyse_swedish(lower)
    return WordAnalysis((_engines().stem("en", lower),), ())


def _analyse_finnish(word: str, lower: str) -> WordAnalysis:
    engines = _engines()
    if engines.voikko is None:
        return WordAnalysis((engines.stem("fi", lower),), ())
    with engines.voikko_lock:
        analyses = engines.voikko.analyze(word)
        if not analyses and word != lower:
            analyses = engines.voikko.analyze(lower)
        if not analyses and not word[:1].isupper():
            analyses = engines.voikko.analyze(lower.capitalize())
    if not analyses:
        # Unknown to Voikko (names, foreign words): the Snowball stem still joins simple inflections.
        return WordAnalysis((engines.stem("fi", lower),), ())
    lemmas: list[str] = []
    parts: list[str] = []
    for analysis in analyses:
        base = str(analysis.get("BASEFORM") or "").lower()
        if base and base not in lemmas:
            lemmas.append(base)
        for part in _finnish_parts(word, base, analysis):
            if part not in parts:
                parts.append(part)
    if not lemmas:
        return WordAnalysis((engines.stem("fi", lower),), ())
    # Prefer the reading that keeps the word as written (e.g. "alusta" over "alku"), then Voikko's order.
    lemmas.sort(key=lambda lemma: lemma != lower)
    lemmas = [lemma for lemma in lemmas[:3] if lemma not in STOP_WORDS["fi"]]
    if not lemmas:
        return _EMPTY
    parts = [part for part in parts if part not in lemmas and part not in STOP_WORDS["fi"]]
    return WordAnalysis(tuple(lemmas), tuple(parts))


_WORDBASE_RE = re.compile(r"\+([^+(]+)\(([^)]*)\)")


def _finnish_parts(word: str, base: str, analysis: dict[str, Any]) -> list[str]:
    """Compound parts from Voikko's STRUCTURE (boundaries in the written form) and WORDBASES (their bases)."""
    structure = str(analysis.get("STRUCTURE") or "")
    if structure.count("=") < 2 or not base:
        return []
    segments: list[str] = []
    current: list[str] = []
    position = 0
    lower = word.lower()
    for symbol in structure:
        if symbol == "=":
            if current:
                segments.append("".join(current))
                current = []
            continue
        if position >= len(lower):
            return []
        current.append(lower[position])
        position += 1
    if current:
        segments.append("".join(current))
    if position != len(lower) or len(segments) < 2:
        return []
    segments = [segment.strip("-") for segment in segments if segment.strip("-")]
    prefix = "".join(segments[:-1])
    last = base[len(prefix) :] if base.startswith(prefix) and len(base) > len(prefix) else segments[-1]
    bases = {
        surface.lower(): lemma.lower() for surface, lemma in _WORDBASE_RE.findall(str(analysis.get("WORDBASES") or ""))
    }
    parts: list[str] = []
    for segment in segments[:-1]:
        lemma = bases.get(segment, "")
        parts.append(lemma if lemma and not lemma.startswith("+") and lemma.isalpha() else segment)
    parts.append(last)
    # Contiguous sub-compounds: prefixes in their written form ("sairaanhoitaja" from
    # "sairaanhoitajakoulutus") and suffixes ending in the base form ("hoitajakoulutus").
    count = len(segments)
    for end in range(2, count):
        parts.append("".join(segments[:end]))
    for start in range(1, count - 1):
        parts.append("".join(segments[start:-1]) + last)
    return [part for part in parts if len(part) >= MIN_PART_LENGTH and part != base]


# Swedish endings tried, longest first, when a form is not itself in the word list (batteriet → batteri).
_SWEDISH_ENDINGS = (
    "arnas",
    "ernas",
    "ornas",
    "arna",
    "erna",
    "orna",
    "ens",
    "ets",
    "en",
    "et",
    "na",
    "ar",
    "er",
    "or",
    "n",
    "t",
    "s",
)


def _swedish_base(lower: str, dictionary: SwedishDictionary | None) -> str:
    """The dictionary form behind an inflected Swedish word, when the word list knows it."""
    if dictionary is None or lower in dictionary.words:
        return lower
    for ending in _SWEDISH_ENDINGS:
        if lower.endswith(ending) and len(lower) - len(ending) >= 3:
            candidate = lower[: -len(ending)]
            if candidate in dictionary.words:
                return candidate
    return lower


def _analyse_swedish(lower: str) -> WordAnalysis:
    engines = _engines()
    dictionary = engines.swedish
    lemma = engines.stem("sv", _swedish_base(lower, dictionary))
    if dictionary is None or len(lower) < 7:
        return WordAnalysis((lemma,), ())
    split = split_swedish_compound(lower)
    if not split:
        return WordAnalysis((lemma,), ())
    parts: list[str] = [engines.stem("sv", part) for part in split]
    if len(split) == 3:  # adjacent pairs of a three-part compound: battericell, celltillverkning
        parts.append(engines.stem("sv", split[0] + split[1]))
        parts.append(engines.stem("sv", split[1] + split[2]))
    unique = [part for part in dict.fromkeys(parts) if len(part) >= 2 and part != lemma]
    return WordAnalysis((lemma,), tuple(unique))


# Parts shorter than four letters are allowed only from this list; shorter fragments ("are", "het") are
# mostly suffixes that the word list also happens to contain.
_SWEDISH_SHORT_PARTS = frozenset({"el", "bil", "jon", "gas", "rör", "ugn", "sol", "olja", "is"})
# Prefixes and particles that the word list marks as compound-initial but that do not carry a topic.
_SWEDISH_BLOCKED_PARTS = frozenset(
    "till under över upp för före mot med efter genom inom utom bak fram sam miss van icke ur vid bi an be "
    "er ut av på in om ny nya mellan kring runt åter".split()
)


@lru_cache(maxsize=100_000)
def split_swedish_compound(lower: str) -> tuple[str, ...]:
    """Split a Swedish compound into its dictionary base words, or () when it is not a compound.

    The split with the fewest parts wins, then the one using hunspell's compound flags (X: may begin, U: may
    continue, Y: may end a compound, plus linking forms such as `lastbils-`, `sjuksköterske-`), then the one
    with the longest first part. Short words the dictionary knows (under nine letters) stay whole. Parts
    are at least four letters (a short list of real short words excepted); the last part may be inflected.
    Long parts are split again, so `yrkeshögskoleutbildning` also yields `utbildning`.
    """
    engines = _engines()
    dictionary = engines.swedish
    if dictionary is None or len(lower) < 7:
        return ()
    return _split_swedish(lower, dictionary, engines, depth=0)


def _split_swedish(lower: str, dictionary: SwedishDictionary, engines: _Engines, depth: int) -> tuple[str, ...]:
    stem = engines.stem

    def allowed(form: str) -> bool:
        if form in _SWEDISH_BLOCKED_PARTS:
            return False
        return len(form) >= 4 or form in _SWEDISH_SHORT_PARTS

    def nonfinal(form: str, first: bool) -> tuple[str, bool] | None:
        """(base word, uses a compound flag) for a form allowed before the last part."""
        if not allowed(form):
            return None
        table = dictionary.begin if first else dictionary.middle
        if form in table:
            return table[form], True
        other = dictionary.middle if first else dictionary.begin
        if form in other:
            return other[form], False
        if form.endswith("s") and form[:-1] in dictionary.words and allowed(form[:-1]):
            return form[:-1], False  # linking -s-: "cells" in battericellstillverkning
        if form in dictionary.words:
            return form, False
        return None

    def final(form: str) -> tuple[str, bool] | None:
        if not allowed(form):
            return None
        base = _swedish_base(form, dictionary)
        if not allowed(base):
            return None
        if stem("sv", base) in dictionary.end_stems:
            return base, True
        if base in dictionary.words and len(base) >= 4:
            return base, False
        return None

    best: list[str] | None = None
    best_key: tuple[int, int, int] | None = None
    if depth == 0 and len(lower) < 9 and _swedish_base(lower, dictionary) in dictionary.words:
        return ()  # short words the dictionary knows are lexicalised (verkstad, företag): keep them whole

    def search(start: int, chosen: list[str], unflagged: int) -> None:
        nonlocal best, best_key
        if len(chosen) >= 4:
            return
        if chosen:
            last = final(lower[start:])
            if last is not None:
                candidate = [*chosen, last[0]]
                key = (len(candidate), unflagged + (0 if last[1] else 1), -len(candidate[0]))
                if best_key is None or key < best_key:
                    best, best_key = candidate, key
        for end in range(len(lower) - 2, start + 1, -1):
            found = nonfinal(lower[start:end], first=not chosen)
            if found is not None:
                search(end, [*chosen, found[0]], unflagged + (0 if found[1] else 1))

    search(0, [], 0)
    if not best or len(best) < 2:
        return ()
    if depth >= 2:
        return tuple(best)
    expanded: list[str] = []
    for part in best:
        expanded.append(part)
        if len(part) >= 8:
            expanded.extend(_split_swedish(part, dictionary, engines, depth + 1))
    return tuple(dict.fromkeys(expanded))


_CACHED: list[Any] = [analyse_word, split_swedish_compound]


# --- Public interface ---------------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _analyze_cached(text: str, language: str) -> tuple[Token, ...]:
    tokens: list[Token] = []
    for word in words(text):
        analysis = analyse_word(word, language)
        tokens.extend(Token(lemma, LEMMA_WEIGHT, "lemma") for lemma in analysis.lemmas)
        tokens.extend(Token(part, PART_WEIGHT, "part") for part in analysis.parts)
    return tuple(tokens)


_CACHED.append(_analyze_cached)


def analyze(text: str, language: str) -> list[Token]:
    """Index tokens of `text` in `language`: whole lemmas (weight 1.0) and compound parts (weight 0.5).

    Stop words are removed; a word with several readings contributes each distinct lemma.
    """
    return list(_analyze_cached(text or "", normalise_language(language)))


def lemmatize(text: str, language: str) -> list[str]:
    """Lemmas only (the preferred reading of each word), lower-case, stop words removed."""
    code = normalise_language(language)
    result: list[str] = []
    for word in words(text or ""):
        analysis = analyse_word(word, code)
        if analysis.lemmas:
            result.append(analysis.lemmas[0])
    return result


def query_alternatives(word: str, language: str) -> tuple[str, ...]:
    """Every lemma reading of one query word (the query matches any of them)."""
    return analyse_word(word, normalise_language(language)).lemmas


@lru_cache(maxsize=10_000)
def spelling_suggestions(word: str, language: str) -> tuple[str, ...]:
    """Voikko's spelling suggestions for a misspelled Finnish word (empty for other languages/no Voikko)."""
    engines = _engines()
    if language != "fi" or engines.voikko is None or not word or len(word) > MAX_WORD_LENGTH:
        return ()
    with engines.voikko_lock:
        if engines.voikko.spell(word):
            return ()
        return tuple(str(s).lower() for s in engines.voikko.suggest(word)[:5])


_CACHED.append(spelling_suggestions)


def stop_word_in_any_language(word: str) -> bool:
    lower = word.lower()
    return any(lower in STOP_WORDS[language] for language in LANGUAGES)


def analyse_words(tokens: Iterable[str], language: str) -> list[WordAnalysis]:
    return [analyse_word(token, language) for token in tokens]


WordLoader = Callable[[], Any]
