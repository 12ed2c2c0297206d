"""Import throughput and peak memory for the Opintopolku and EMIL3 formats.

For each format the bench writes N synthetic offerings (one programme per four offerings) by cloning the
real-shaped fixtures in tests/fixtures/, then imports them in a child process pinned to one core on a fresh
SQLite database: a first import (everything created) and a re-import (everything unchanged). The child
reports wall time and max RSS; the parent prints `name: value unit` lines with the targets.

Offerings are interleaved across programmes (offering i belongs to programme i mod N/4): the worst order for
the index's per-programme reuse of analysed text. konfo's `toteutukset-koulutuksittain` returns them grouped
by programme, which imports somewhat faster.
"""

from __future__ import annotations

import copy
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
OFFERINGS_PER_PROGRAMME = 4
TARGET_RATE = 2000
TARGET_MEMORY_MB = 500


def _write_array(path: Path, documents: Iterator[Any], wrapper: tuple[str, str] = ("[", "]")) -> None:
    """Stream documents into a JSON array so generating 100k records does not hold them all in memory."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write(wrapper[0])
        for index, document in enumerate(documents):
            if index:
                handle.write(",\n")
            handle.write(json.dumps(document, ensure_ascii=False))
        handle.write(wrapper[1])


def generate_opintopolku(directory: Path, n: int) -> list[Path]:
    koulutus = json.loads((FIXTURES / "opintopolku" / "koulutus-1293.json").read_text(encoding="utf-8"))
    toteutus = json.loads((FIXTURES / "opintopolku" / "toteutus-ihan-tavanomainen.json").read_text(encoding="utf-8"))
    programmes = max(1, n // OFFERINGS_PER_PROGRAMME)

    def koulutukset() -> Iterator[dict[str, Any]]:
        for i in range(programmes):
            doc = copy.deepcopy(koulutus)
            doc["oid"] = f"1.2.246.562.13.{90000000000000000000 + i}"
            doc["nimi"] = {lang: f"{text} {i}" for lang, text in (koulutus.get("nimi") or {"fi": "Koulutus"}).items()}
            yield doc

    def toteutukset() -> Iterator[dict[str, Any]]:
        for i in range(n):
            doc = copy.deepcopy(toteutus)
            doc["oid"] = f"1.2.246.562.17.{90000000000000000000 + i}"
            doc["koulutusOid"] = f"1.2.246.562.13.{90000000000000000000 + i % programmes}"
            doc["nimi"] = {lang: f"{text} {i}" for lang, text in (toteutus.get("nimi") or {"fi": "Toteutus"}).items()}
            yield doc

    first, second = directory / "koulutukset.json", directory / "toteutukset.json"
    _write_array(first, koulutukset())
    _write_array(second, toteutukset())
    return [first, second]


def generate_emil3(directory: Path, n: int) -> list[Path]:
    susa = FIXTURES / "susa"
    providers = json.loads((susa / "educationProviders.json").read_text(encoding="utf-8"))
    infos = json.loads((susa / "educationInfos.json").read_text(encoding="utf-8"))
    events = json.loads((susa / "educationEvents.json").read_text(encoding="utf-8"))
    info_template = infos["educationInfos"][0]
    event_template = next(e for e in events["educationEvents"] if e["content"]["education"] == info_template["id"])
    programmes = max(1, n // OFFERINGS_PER_PROGRAMME)

    def clone_infos() -> Iterator[dict[str, Any]]:
        for i in range(programmes):
            doc = copy.deepcopy(info_template)
            doc["id"] = doc["content"]["identifier"] = f"i.bench.{i}"
            for string in doc["content"]["title"]["strings"]:
                string["content"] = f"{string['content']} {i}"
            yield doc

    def clone_events() -> Iterator[dict[str, Any]]:
        for i in range(n):
            doc = copy.deepcopy(event_template)
            doc["id"] = doc["content"]["identifier"] = f"e.bench.{i}"
            doc["content"]["education"] = f"i.bench.{i % programmes}"
            yield doc

    paths = [
        directory / "educationProviders.json",
        directory / "educationInfos.json",
        directory / "educationEvents.json",
    ]
    paths[0].write_text(json.dumps(providers, ensure_ascii=False), encoding="utf-8")
    page = json.dumps({"size": 2000, "totalElements": programmes, "totalPages": 1, "pageNumber": 0})
    _write_array(paths[1], clone_infos(), ('{"educationInfos": [', f'], "page": {page}}}'))
    _write_array(paths[2], clone_events(), ('{"educationEvents": [', f'], "page": {page}}}'))
    return paths


def _worker(fmt: str, database: str, paths: list[str]) -> None:
    """Child process: migrate (untimed), then time the import and the re-import; print JSON."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    # Production settings: with DEBUG on, Django keeps every SQL statement in memory.
    os.environ.update({"DEBUG": "false", "SECRET_KEY": "bench-" + "x" * 60, "ALLOWED_HOSTS": "localhost"})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from battery_region.catalogue.importers.base import get_parser
    from battery_region.catalogue.importers.writer import run_import

    parse = get_parser(fmt)

    def items() -> Iterator[Any]:
        for path in paths:
            yield from parse(Path(path))

    results: dict[str, Any] = {}
    for label in ("first", "again"):
        started = time.perf_counter()
        report = run_import(items, label=f"bench:{fmt}")
        results[label] = {
            "seconds": time.perf_counter() - started,
            "ok": report.ok,
            "problems": report.problem_lines()[:3],
            "counts": {k: dict(v) for k, v in report.counts.items()},
        }
    results["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(results))  # noqa: T201


def _measure(fmt: str, paths: list[Path], directory: Path) -> dict[str, Any]:
    database = directory / f"{fmt}.sqlite3"
    command = [sys.executable, "-m", "bench.import_bench", "worker", fmt, str(database), *map(str, paths)]
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"{fmt} import bench failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def run(scale: int) -> None:
    for fmt, generate in (("opintopolku", generate_opintopolku), ("susa-emil3", generate_emil3)):
        name = fmt.replace("-", "_")
        with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
            directory = Path(tmp)
            paths = generate(directory, scale)
            size_mb = sum(p.stat().st_size for p in paths) / 1e6
            result = _measure(fmt, paths, directory)
        first, again = result["first"], result["again"]
        if not first["ok"]:
            print(f"import_{name}_error: {first['problems']}")  # noqa: T201
            continue
        created = first["counts"].get("offering", {}).get("created", 0)
        unchanged = again["counts"].get("offering", {}).get("unchanged", 0)
        rate = created / first["seconds"] if first["seconds"] else 0
        rerate = unchanged / again["seconds"] if again["seconds"] else 0
        lines = [
            (f"import_{name}_file_size", f"{size_mb:.1f}", "MB"),
            (f"import_{name}_offerings", f"{created}", "offerings"),
            (f"import_{name}_throughput", f"{rate:.0f}", f"offerings/s (target >= {TARGET_RATE})"),
            (f"import_{name}_throughput_ratio_to_target", f"{rate / TARGET_RATE:.2f}", "x"),
            (f"import_{name}_reimport_throughput", f"{rerate:.0f}", "offerings/s (all unchanged)"),
            (f"import_{name}_peak_memory", f"{result['max_rss_mb']:.0f}", f"MB (target <= {TARGET_MEMORY_MB})"),
        ]
        for label, value, unit in lines:
            print(f"{label}: {value} {unit}")  # noqa: T201


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "worker":
        _worker(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        run(int(os.environ.get("BENCH_SCALE", "100000")))
