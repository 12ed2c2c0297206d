"""Search relevance and speed, on SQLite FTS5 and on PostgreSQL.

`run(scale)` returns `(name, value, unit)` rows (bench/__main__.py prints them as `name: value unit`):

Relevance (`data/relevance_dev_set.json`: 73 fi/sv/en queries with graded 0–3 judgements over 105
hand-written programmes plus 400 synthetic distractors): nDCG@10 and MRR@10 (first result with grade ≥ 2)
for our search and for a baseline — stock FTS5 (default `unicode61` tokenizer, raw text, the query words
ANDed, bm25) — overall and per slice:
- `same_language`: non-misspelled queries, judged and ranked over documents in the query's language only;
- `cross_lingual`: non-misspelled queries, judged and ranked over documents in the other languages only;
- `misspelled`: the misspelled queries, all languages.
Targets: overall nDCG@10 ≥ 0.85 and ≥ 0.2 above the baseline.

Speed (`scale` synthetic offerings, bench/search_corpus.py): server time of `search_catalogue` with facets
(p50/p95 over a mix of rare, mid-frequency, very common, multi-word, cross-lingual, misspelled and filtered
queries), the same query run bare against the engine (the expression the search ranked with — after its
spelling correction or compound split, so a misspelled query is not compared with an engine call that finds
nothing — ranked top 20 in the search's order, no facets, no snippets), the ratios (of the p50s and p95s,
and the median of each query's own ratio), the very common words (`koulutus`, `utbildning`, `education`)
against mid-frequency words, and the empty query.
Targets: p95 ≤ 30 ms (SQLite), ≤ 40 ms (PostgreSQL); ≤ 1.5× the bare engine; common ≤ 3× mid.

Each part runs in a child process on its own database: SQLite files under var/bench/, PostgreSQL
`battery_region_bench` (created when missing; `BENCH_PG_URL` overrides, `BENCH_PG=0` skips). A database
built for the same scale and corpus version is reused.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var" / "bench"
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/battery_region_bench")
CORPUS_VERSION = "search-corpus-1"
ROUNDS = 15  # samples per query and engine: the machine drifts, so each p50 needs more than a handful
K = 10

MID_QUERIES = ["akkukenno", "hitsaus", "svetsning", "kunnossapito", "elektriker", "katodmaterial", "welding"]
COMMON_QUERIES = ["koulutus", "utbildning", "education"]
QUERY_MIX: list[tuple[str, str, dict[str, Any]]] = [
    *[(q, "fi", {}) for q in MID_QUERIES],
    *[(q, "fi", {}) for q in COMMON_QUERIES],
    ("akkukennojen valmistus", "fi", {}),
    ("batteritillverkning", "sv", {}),
    ("battery cell manufacturing", "en", {}),
    ("akkujen kierrätys mustamassa", "fi", {}),
    ("processoperatör batteriindustrin", "sv", {}),
    ("battery management system", "en", {}),
    ("akkukenon valmistus", "fi", {}),
    ("batery recycling", "en", {}),
    ("koulutus", "fi", {"country": "FI"}),
    ("utbildning", "sv", {"language": "sv", "mode": "online"}),
    ("akkukenno", "fi", {"country": "SE", "eqf_level": 5}),
    ("automation", "sv", {"open_for_exchange": True}),
    ("kalolomi", "fi", {}),  # rare words from the synthetic long tail
    ("vokusi", "fi", {}),
]


# --- Metrics --------------------------------------------------------------------------------------------


def ndcg_at_k(ranking: list[str], judgements: dict[str, int], k: int = K) -> float:
    gains = [2 ** judgements.get(doc, 0) - 1 for doc in ranking[:k]]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted((2**g - 1 for g in judgements.values()), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def mrr_at_k(ranking: list[str], judgements: dict[str, int], k: int = K, threshold: int = 2) -> float:
    for i, doc in enumerate(ranking[:k]):
        if judgements.get(doc, 0) >= threshold:
            return 1 / (i + 1)
    return 0.0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[index]


# --- Child processes ------------------------------------------------------------------------------------


def _setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "false"  # no query log: production-like timings
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 60)
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _fingerprint_ok(expected: str) -> bool:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS bench_fingerprint (value VARCHAR(200))")
        cur.execute("SELECT value FROM bench_fingerprint")
        row = cur.fetchone()
    return bool(row and row[0] == expected)


def _set_fingerprint(value: str) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM bench_fingerprint")
        cur.execute("INSERT INTO bench_fingerprint (value) VALUES (%s)", [value])


def _wipe_catalogue() -> None:
    from django.db import transaction

    from battery_region.catalogue.models import Offering, Programme
    from battery_region.organisations.models import Organisation
    from battery_region.search.backends import get_backend

    with transaction.atomic():
        get_backend().clear()
        Offering.objects.all().delete()
        Programme.objects.all().delete()
        Organisation.objects.filter(slug__startswith="bench-provider-").delete()


def child_relevance(url: str) -> dict[str, Any]:
    _setup_django(url)
    from django.db import connection

    from battery_region.catalogue.filters import CatalogueFilters
    from battery_region.search.glossary import load_glossary
    from battery_region.search.indexing import rebuild_index
    from battery_region.search.service import search_catalogue
    from bench import search_corpus

    data = search_corpus.dev_set()
    doc_language = {doc["id"]: doc["language"] for doc in data["documents"]}
    _wipe_catalogue()
    load_glossary()
    mapping = search_corpus.load_relevance_corpus()
    rebuild_index()
    from battery_region.catalogue.models import Offering

    language_of = {}
    for pk, teaching in Offering.objects.values_list("pk", "teaching_languages"):
        key = mapping.get(pk, "")
        language_of[pk] = doc_language.get(key) or teaching.split(",")[0]
    name_of = {pk: (key or f"distractor-{pk}") for pk, key in mapping.items()}

    def ours(q: str, language: str) -> list[int]:
        page = search_catalogue(q=q, language=language, filters=CatalogueFilters(), page_size=200)
        return [hit.offering_id for hit in page.items]

    baseline_ready = False
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS bench_baseline_fts")
            cur.execute("CREATE VIRTUAL TABLE bench_baseline_fts USING fts5(title, body)")
            rows = Offering.objects.values_list(
                "pk",
                "programme__title_fi",
                "programme__title_sv",
                "programme__title_en",
                "programme__description_fi",
                "programme__description_sv",
                "programme__description_en",
                "programme__learning_outcomes_fi",
                "programme__learning_outcomes_sv",
                "programme__learning_outcomes_en",
                "programme__keywords",
            )
            cur.executemany(
                "INSERT INTO bench_baseline_fts (rowid, title, body) VALUES (%s, %s, %s)",
                [(r[0], " ".join(filter(None, r[1:4])), " ".join(filter(None, r[4:]))) for r in rows],
            )
        baseline_ready = True

    def baseline(q: str, language: str) -> list[int]:
        import re

        words = re.findall(r"\w+", q)
        if not words:
            return []
        match = " ".join('"' + w.replace('"', '""') + '"' for w in words)
        with connection.cursor() as cur:
            cur.execute(
                "SELECT rowid FROM bench_baseline_fts WHERE bench_baseline_fts MATCH %s ORDER BY rank LIMIT 200",
                [match],
            )
            return [row[0] for row in cur.fetchall()]

    systems = {"search": ours}
    if baseline_ready:
        systems["baseline"] = baseline
    results: dict[str, Any] = {}
    for system, ranker in systems.items():
        per_slice: dict[str, list[tuple[float, float]]] = {
            "overall": [],
            "same_language": [],
            "cross_lingual": [],
            "misspelled": [],
        }
        for query in data["queries"]:
            judgements = data["qrels"][query["id"]]
            ranked = ranker(query["text"], query["language"])
            names = [name_of.get(pk, f"unknown-{pk}") for pk in ranked]
            per_slice["overall"].append((ndcg_at_k(names, judgements), mrr_at_k(names, judgements)))
            if query["kind"] == "typo":
                per_slice["misspelled"].append((ndcg_at_k(names, judgements), mrr_at_k(names, judgements)))
                continue
            for slice_name, keep in (("same_language", True), ("cross_lingual", False)):
                filtered = [name_of.get(pk, "") for pk in ranked if (language_of.get(pk) == query["language"]) == keep]
                sub = {d: g for d, g in judgements.items() if (doc_language.get(d) == query["language"]) == keep}
                if sub:
                    per_slice[slice_name].append((ndcg_at_k(filtered, sub), mrr_at_k(filtered, sub)))
        results[system] = {
            name: {
                "ndcg": statistics.fmean(v[0] for v in values),
                "mrr": statistics.fmean(v[1] for v in values),
                "n": len(values),
            }
            for name, values in per_slice.items()
            if values
        }
    return results


def child_speed(url: str, scale: int) -> dict[str, Any]:
    _setup_django(url)
    from django.db import connection

    from battery_region.catalogue.filters import CatalogueFilters
    from battery_region.search import glossary
    from battery_region.search.backends import get_backend
    from battery_region.search.glossary import load_glossary
    from battery_region.search.indexing import rebuild_index
    from battery_region.search.query import build_plan
    from battery_region.search.service import search_catalogue
    from bench import search_corpus

    out: dict[str, Any] = {"vendor": connection.vendor}
    fingerprint = f"{CORPUS_VERSION}:{scale}"
    if not _fingerprint_ok(fingerprint):
        _wipe_catalogue()
        started = time.perf_counter()
        created = search_corpus.load_synthetic_corpus(scale)
        out["generate_s"] = time.perf_counter() - started
        started = time.perf_counter()
        indexed = rebuild_index(batch_size=2000)
        out["index_s"] = time.perf_counter() - started
        out["indexed"] = indexed
        out["created"] = created
        _set_fingerprint(fingerprint)
    load_glossary()
    backend = get_backend()
    out["documents"] = backend.document_count()

    def timed(fn: Any) -> float:
        started = time.perf_counter()
        fn()
        return (time.perf_counter() - started) * 1000

    def run_search(q: str, language: str, filters: dict[str, Any]) -> None:
        search_catalogue(q=q, language=language, filters=CatalogueFilters(**filters), page=1, page_size=20)

    index = glossary.get_index()
    # Bare: the expression the search finally ranked with (after a spelling correction, a compound split or
    # the any-word fallback), ranked top 20 by the engine alone; the typed query's plan when nothing matched.
    bare_exprs = []
    for q, language, filters in QUERY_MIX:  # also the warm-up: caches, page cache
        found = search_catalogue(q=q, language=language, filters=CatalogueFilters(**filters), page_size=20)
        bare_exprs.append(found.engine_query or build_plan(q, index).full())
    samples: dict[str, list[float]] = {q + json.dumps(f, sort_keys=True): [] for q, _l, f in QUERY_MIX}
    bare_samples: dict[str, list[float]] = {key: [] for key in samples}
    bare: list[float] = []
    totals: dict[str, int] = {}
    for _round in range(ROUNDS):
        for (q, language, filters), expr in zip(QUERY_MIX, bare_exprs, strict=True):
            key = q + json.dumps(filters, sort_keys=True)
            samples[key].append(timed(lambda q=q, language=language, filters=filters: run_search(q, language, filters)))
            if expr is not None:
                bare.append(timed(lambda e=expr: backend.bare_rank(e, 20)))
                bare_samples[key].append(bare[-1])
    for q, language, filters in QUERY_MIX:
        totals[q] = search_catalogue(q=q, language=language, filters=CatalogueFilters(**filters)).total
    browse = [timed(lambda: run_search("", "fi", {})) for _ in range(ROUNDS * 3)]
    browse_filtered = [
        timed(lambda: run_search("", "fi", {"country": "SE", "mode": "online"})) for _ in range(ROUNDS * 3)
    ]
    all_samples = [t for values in samples.values() for t in values]
    common = [t for q in COMMON_QUERIES for t in samples[q + "{}"]]
    mid = [t for q in MID_QUERIES for t in samples[q + "{}"]]
    out.update(
        search_p50=percentile(all_samples, 50),
        search_p95=percentile(all_samples, 95),
        bare_p50=percentile(bare, 50),
        bare_p95=percentile(bare, 95),
        common_p50=percentile(common, 50),
        common_p95=percentile(common, 95),
        mid_p50=percentile(mid, 50),
        mid_p95=percentile(mid, 95),
        browse_p50=percentile(browse, 50),
        browse_p95=percentile(browse, 95),
        browse_filtered_p95=percentile(browse_filtered, 95),
        common_hits=totals.get("koulutus", 0),
        mid_hits=int(statistics.fmean(totals.get(q, 0) for q in MID_QUERIES)),
        per_query={key: percentile(values, 50) for key, values in samples.items()},
        per_query_bare={key: percentile(values, 50) for key, values in bare_samples.items() if values},
        per_query_ratio=statistics.median(
            percentile(samples[key], 50) / percentile(values, 50) for key, values in bare_samples.items() if values
        ),
    )
    return out


def _child(task: str, url: str, scale: int) -> dict[str, Any] | None:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    command = [sys.executable, "-m", "bench.search_bench", "child", task, url, str(scale)]
    completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        print(f"search_bench: {task} on {url.split(':')[0]} failed:\n{completed.stderr[-3000:]}", file=sys.stderr)  # noqa: T201
        return None
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _pg_available() -> bool:
    if os.environ.get("BENCH_PG", "1") == "0":
        return False
    try:
        from battery_region.core.devtools import ensure_database

        ensure_database(PG_URL)
        ensure_database(PG_URL + "_relevance")
    except Exception as exc:  # no server: report and go on with SQLite
        print(f"search_bench: PostgreSQL unavailable ({exc}); SQLite only", file=sys.stderr)  # noqa: T201
        return False
    return True


def run(scale: int) -> list[tuple[str, float, str]]:
    """Relevance and speed figures as (name, value, unit) rows."""
    VAR.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[str, float, str]] = []
    targets: list[tuple[str, str]] = [("sqlite", f"sqlite:///{VAR / 'search-relevance.sqlite3'}")]
    speed_targets: list[tuple[str, str]] = [("sqlite", f"sqlite:///{VAR / f'search-{scale}.sqlite3'}")]
    if _pg_available():
        targets.append(("postgresql", PG_URL + "_relevance"))
        speed_targets.append(("postgresql", PG_URL))
    for vendor, url in targets:
        result = _child("relevance", url, scale)
        if result is None:
            continue
        for system in ("search", "baseline"):
            for slice_name, metrics in result.get(system, {}).items():
                prefix = f"search_relevance_{vendor}_{system}_{slice_name}"
                rows.append((f"{prefix}_ndcg@10", round(metrics["ndcg"], 3), f"({metrics['n']} queries)"))
                rows.append((f"{prefix}_mrr@10", round(metrics["mrr"], 3), ""))
        if "baseline" in result:
            gain = result["search"]["overall"]["ndcg"] - result["baseline"]["overall"]["ndcg"]
            rows.append((f"search_relevance_{vendor}_gain_over_baseline_ndcg@10", round(gain, 3), "(target >= 0.2)"))
        rows.append(
            (
                f"search_relevance_{vendor}_overall_target_met",
                float(result["search"]["overall"]["ndcg"] >= 0.85),
                "(target nDCG@10 >= 0.85)",
            )
        )
    for vendor, url in speed_targets:
        result = _child("speed", url, scale)
        if result is None:
            continue
        target = 30 if vendor == "sqlite" else 40
        prefix = f"search_speed_{vendor}"
        rows.append((f"{prefix}_documents", result["documents"], "offerings"))
        if "index_s" in result:
            rows.append((f"{prefix}_index_build", round(result["index_s"], 1), "s"))
            rows.append((f"{prefix}_index_rate", round(result["indexed"] / result["index_s"]), "offerings/s"))
        rows.append((f"{prefix}_p50", round(result["search_p50"], 2), "ms"))
        rows.append((f"{prefix}_p95", round(result["search_p95"], 2), f"ms (target <= {target})"))
        rows.append((f"{prefix}_bare_engine_p50", round(result["bare_p50"], 2), "ms"))
        rows.append((f"{prefix}_bare_engine_p95", round(result["bare_p95"], 2), "ms"))
        rows.append((f"{prefix}_ratio_to_bare_p50", round(result["search_p50"] / result["bare_p50"], 2), "x"))
        rows.append(
            (f"{prefix}_ratio_to_bare_p95", round(result["search_p95"] / result["bare_p95"], 2), "x (target <= 1.5)")
        )
        rows.append(
            (
                f"{prefix}_ratio_to_bare_per_query_median",
                round(result["per_query_ratio"], 2),
                "x (each query's p50 over its own bare p50)",
            )
        )
        rows.append(
            (
                f"{prefix}_common_words_p50",
                round(result["common_p50"], 2),
                f"ms ({result['common_hits']} hits for koulutus)",
            )
        )
        rows.append((f"{prefix}_mid_words_p50", round(result["mid_p50"], 2), f"ms (~{result['mid_hits']} hits)"))
        rows.append(
            (f"{prefix}_common_to_mid_ratio", round(result["common_p50"] / result["mid_p50"], 2), "x (target <= 3)")
        )
        rows.append((f"{prefix}_empty_query_p50", round(result["browse_p50"], 2), "ms"))
        rows.append((f"{prefix}_empty_query_p95", round(result["browse_p95"], 2), "ms"))
        rows.append((f"{prefix}_empty_query_filtered_p95", round(result["browse_filtered_p95"], 2), "ms"))
        for key, value in sorted(result["per_query"].items(), key=lambda kv: -kv[1])[:5]:
            rows.append((f"{prefix}_slowest_query[{key}]_p50", round(value, 2), "ms"))
    return rows


def main(argv: list[str]) -> int:
    if argv[:1] == ["child"]:
        task, url, scale = argv[1], argv[2], int(argv[3])
        result = child_relevance(url) if task == "relevance" else child_speed(url, scale)
        print(json.dumps(result))  # noqa: T201
        return 0
    scale = int(argv[0]) if argv else int(os.environ.get("BENCH_SCALE", "100000"))
    for name, value, unit in run(scale):
        print(f"{name}: {value} {unit}".rstrip())  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
