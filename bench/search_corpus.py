"""Corpora for the search bench: the labelled relevance set and a synthetic catalogue of any size.

Relevance corpus (`load_relevance_corpus`): the hand-written programmes of `data/relevance_dev_set.json`
(battery value chain plus hard negatives such as "Cell Biology" or "Ruoan valmistus", in fi/sv/en) and
`DISTRACTORS` synthetic offerings from `synthetic_rows` restricted to non-battery fields (judged 0).

Synthetic catalogue (`synthetic_rows`, `load_synthetic_corpus`): deterministic for a seed. Each programme
takes a topic and a language (fi 45 %, sv 40 %, en 15 %), a title from the dev set's titles of that topic
(or a generic field title), a description of 3–5 sentences mixing topic sentences, very common sentences
("Koulutus antaa valmiudet…", "Utbildningen ger…", "The education provides…" in about 60 % of documents
of each language, so `koulutus`/`utbildning`/`education` are the very common words the bench needs) and a
couple of rare words from a Zipf-distributed pseudo-word vocabulary (the long tail a real catalogue has).
Four offerings per programme; filter values are correlated as in real data (provider → country and
region; field → EQF level and credit system). Rows are written with `bulk_create`, not through the writer.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "relevance_dev_set.json"
OFFERINGS_PER_PROGRAMME = 4
DISTRACTORS = 400

COMMON = {
    "fi": [
        "Koulutus antaa valmiudet alan tehtäviin.",
        "Koulutus sisältää työssäoppimista yrityksissä.",
        "Koulutuksen jälkeen voit jatkaa opintoja.",
    ],
    "sv": [
        "Utbildningen ger behörighet för arbete inom branschen.",
        "Utbildningen innehåller praktik på arbetsplatser.",
        "Efter utbildningen kan du studera vidare.",
    ],
    "en": [
        "The education provides skills for work in the field.",
        "The education includes work placements in companies.",
        "After the education you can continue your studies.",
    ],
}
GENERIC_FIELDS = {
    "fi": [
        ("Liiketalouden perustutkinto", "Asiakaspalvelu, myynti ja markkinointi."),
        ("Rakennusalan perustutkinto", "Talonrakennus ja korjausrakentaminen."),
        ("Ravintola- ja catering-ala", "Ruoanvalmistus ja tarjoilu."),
        ("Sosiaali- ja terveysala", "Lähihoitajan tehtävät ja hoitotyö."),
        ("Tieto- ja viestintätekniikka", "Ohjelmointi ja verkkojen ylläpito."),
        ("Matkailuala", "Matkailupalvelut ja elämysten tuottaminen."),
        ("Kasvatus- ja ohjausala", "Varhaiskasvatus ja nuorisotyö."),
        ("Metsäalan perustutkinto", "Metsänhoito ja puunkorjuu."),
    ],
    "sv": [
        ("Handels- och administrationsprogrammet", "Försäljning, service och administration."),
        ("Bygg- och anläggningsprogrammet", "Husbyggnad och anläggning."),
        ("Restaurang och livsmedel", "Matlagning och servering."),
        ("Vård- och omsorgsprogrammet", "Undersköterska inom vård och omsorg."),
        ("Systemutvecklare", "Programmering och webbutveckling."),
        ("Turism och resor", "Reseledning och turistinformation."),
        ("Barn- och fritidsprogrammet", "Pedagogiskt arbete med barn."),
        ("Skogsbruk", "Skogsvård och avverkning."),
    ],
    "en": [
        ("Business Administration", "Marketing, sales and management."),
        ("Construction Management", "Building projects and site management."),
        ("Hospitality Management", "Hotel and restaurant services."),
        ("Social Services", "Social work and care."),
        ("Software Engineering", "Programming and software architecture."),
        ("Tourism", "Travel services and destination marketing."),
        ("Early Childhood Education", "Pedagogy for young children."),
        ("Forestry", "Forest management and harvesting."),
    ],
}
SYLLABLES = "ka ko ku ki la lo lu li ma mo mu mi ta to tu ti va vo vu vi sa so su si ra ro ru ri ne no pe po".split()
REGIONS = {
    "FI": ["FI1D9", "FI1D5", "FI1D7", "FI193", "FI1B1", "FI1C1", "FI1D8", "FI194"],
    "SE": ["SE331", "SE332", "SE321", "SE322", "SE311", "SE110", "SE232", "SE224"],
}
LEVELS = [(4, "fi_osp", "se_gyp"), (5, "fi_osp", "se_yhp"), (6, "fi_op", "se_hp"), (7, "ects", "se_hp")]
MODES = ["presential", "presential", "blended", "online", "work_based"]


def dev_set() -> dict[str, Any]:
    return json.loads(DATA.read_text(encoding="utf-8"))


@dataclass
class ProgrammeRow:
    language: str
    title: str
    description: str
    outcomes: str
    keywords: str
    eqf: int
    credits: str
    key: str = ""


def _pseudo_words(rng: random.Random, count: int) -> list[str]:
    words: set[str] = set()
    while len(words) < count:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 4))))
    return sorted(words)


def synthetic_rows(programmes: int, seed: int = 7, *, battery: bool = True) -> Iterator[ProgrammeRow]:
    """`programmes` synthetic programmes (deterministic for `seed`); `battery=False` gives only the generic
    fields (distractors for the relevance set)."""
    rng = random.Random(seed)
    data = dev_set()
    by_topic: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for doc in data["documents"]:
        if doc["id"].split("-")[1] != "neg":
            by_topic.setdefault((doc["topic"], doc["language"]), []).append(doc)
    topics = sorted({topic for topic, _lang in by_topic})
    vocabulary = _pseudo_words(rng, 20_000)
    weights = [1 / (rank + 1) ** 1.05 for rank in range(len(vocabulary))]
    for index in range(programmes):
        language = rng.choices(["fi", "sv", "en"], weights=[45, 40, 15])[0]
        sentences: list[str] = []
        if battery and rng.random() < 0.35:
            topic = rng.choice(topics)
            pool = by_topic.get((topic, language)) or by_topic[(topic, "en")]
            seed_doc = rng.choice(pool)
            title = seed_doc["title"]
            sentences.append(seed_doc["description"])
            keywords = seed_doc.get("keywords", "")
        else:
            title, sentence = rng.choice(GENERIC_FIELDS[language])
            sentences.append(sentence)
            keywords = ""
        if rng.random() < 0.6:
            sentences.append(rng.choice(COMMON[language]))
        sentences.extend(rng.sample(COMMON[language], k=1) if rng.random() < 0.3 else [])
        rare = " ".join(rng.choices(vocabulary, weights=weights, k=3))
        level, fi_credits, se_credits = rng.choice(LEVELS)
        yield ProgrammeRow(
            language=language,
            title=f"{title} {rng.randint(1, 40)}" if rng.random() < 0.3 else title,
            description=" ".join(sentences) + f" {rare.capitalize()}.",
            outcomes=rng.choice(COMMON[language]),
            keywords=keywords,
            eqf=level,
            credits=se_credits if language == "sv" else fi_credits,
            key=f"syn-{seed}-{index}",
        )


def _providers(count: int) -> list[Any]:
    from battery_region.organisations.models import Organisation

    organisations = []
    for i in range(count):
        country = "FI" if i % 2 == 0 else "SE"
        organisations.append(
            Organisation(
                name_fi=f"Oppilaitos {i}",
                name_sv=f"Skola {i}",
                name_en=f"Provider {i}",
                slug=f"bench-provider-{i}",
                kind=Organisation.Kind.EDUCATION_PROVIDER,
                country=country,
                region=REGIONS[country][i % len(REGIONS[country])],
            )
        )
    return Organisation.objects.bulk_create(organisations)


def _write(
    rows: list[ProgrammeRow], providers: list[Any], offerings_per_programme: int, rng: random.Random
) -> dict[str, list[int]]:
    """Programmes and offerings via bulk_create; returns programme key → offering ids."""
    from battery_region.catalogue.models import Offering, Programme

    fi_providers = [p for p in providers if p.country == "FI"]
    se_providers = [p for p in providers if p.country == "SE"]
    programmes = []
    for row in rows:
        pool = se_providers if row.language == "sv" else fi_providers if row.language == "fi" else providers
        provider = rng.choice(pool)
        fields = {
            f"title_{row.language}": row.title,
            f"description_{row.language}": row.description,
            f"learning_outcomes_{row.language}": row.outcomes,
        }
        programmes.append(
            Programme(
                provider=provider,
                keywords=row.keywords,
                eqf_level=row.eqf,
                credits_system=row.credits,
                source="bench",
                source_id=row.key,
                **fields,
            )
        )
    created = Programme.objects.bulk_create(programmes, batch_size=2000)
    offerings = []
    base = dt.date(2027, 1, 1)
    for programme, row in zip(created, rows, strict=True):
        for n in range(offerings_per_programme):
            languages = row.language if rng.random() < 0.8 else f"{row.language},en"
            offerings.append(
                Offering(
                    programme=programme,
                    provider=programme.provider,
                    country=programme.provider.country,
                    region=programme.provider.region,
                    teaching_languages=languages,
                    mode=rng.choice(MODES),
                    open_for_exchange=rng.random() < 0.15,
                    start_date=None if rng.random() < 0.1 else base + dt.timedelta(days=rng.randint(0, 900)),
                    start_year=2027 + rng.randint(0, 2),
                    start_season=rng.choice(["spring", "autumn"]),
                    source="bench",
                    source_id=f"{row.key}-{n}",
                )
            )
    made = Offering.objects.bulk_create(offerings, batch_size=5000)
    result: dict[str, list[int]] = {}
    for offering in made:
        result.setdefault(offering.source_id.rsplit("-", 1)[0], []).append(offering.pk)
    return result


def load_synthetic_corpus(offerings: int, seed: int = 7) -> int:
    """Bulk-insert `offerings` synthetic offerings (four per programme)."""
    rng = random.Random(seed + 1)
    providers = _providers(300)
    programmes = max(1, offerings // OFFERINGS_PER_PROGRAMME)
    batch: list[ProgrammeRow] = []
    total = 0
    for row in synthetic_rows(programmes, seed):
        batch.append(row)
        if len(batch) == 5000:
            total += sum(len(v) for v in _write(batch, providers, OFFERINGS_PER_PROGRAMME, rng).values())
            batch = []
    if batch:
        total += sum(len(v) for v in _write(batch, providers, OFFERINGS_PER_PROGRAMME, rng).values())
    return total


def load_relevance_corpus(distractors: int = DISTRACTORS) -> dict[int, str]:
    """The dev-set documents (one offering each) plus distractors; returns offering id → document id
    (distractors map to "")."""
    rng = random.Random(11)
    providers = _providers(6)
    docs = dev_set()["documents"]
    rows = [
        ProgrammeRow(
            language=doc["language"],
            title=doc["title"],
            description=doc["description"],
            outcomes="",
            keywords=doc.get("keywords", ""),
            eqf=5,
            credits="ects",
            key=doc["id"],
        )
        for doc in docs
    ]
    rows += list(synthetic_rows(distractors, seed=3, battery=False))
    written = _write(rows, providers, 1, rng)
    mapping: dict[int, str] = {}
    for key, ids in written.items():
        for pk in ids:
            mapping[pk] = "" if key.startswith("syn-") else key
    return mapping
