"""'Did you mean': the closest known word by edit distance (pure: no ORM).

Candidates come from the backend (FTS5 trigram table or pg_trgm over the indexed vocabulary) and from the
glossary; the winner is the candidate with the smallest optimal-string-alignment distance (a swap of two
neighbouring letters counts as one edit), within a limit that grows with the word's length.
"""

from __future__ import annotations

from collections.abc import Iterable


def max_distance(word: str) -> int:
    if len(word) <= 4:
        return 1
    if len(word) <= 9:
        return 2
    return 3


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance, or `limit + 1` as soon as it must exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[len(b)]


def ranked_suggestions(word: str, candidates: Iterable[str]) -> list[str]:
    """Candidates close enough to `word`, best first: fewer edits, then the same first letter (typos rarely
    hit it), then a similar length."""
    word = word.lower()
    limit = max_distance(word)
    letters = set(word)
    shortest, longest = len(word) - limit, len(word) + limit
    keyed: list[tuple[int, int, int, str]] = []
    for candidate in {c.lower() for c in candidates if c}:
        # Cheap bounds first: an edit changes the length by at most one and the set of letters by at most
        # two (a swap changes neither), so these candidates are further than `limit` anyway.
        if candidate == word or not shortest <= len(candidate) <= longest:
            continue
        if len(letters.symmetric_difference(candidate)) > 2 * limit:
            continue
        distance = edit_distance(word, candidate, limit)
        if distance <= limit:
            keyed.append((distance, 0 if candidate[0] == word[0] else 1, abs(len(candidate) - len(word)), candidate))
    return [key[3] for key in sorted(keyed)]


def suggest(word: str, candidates: Iterable[str]) -> str | None:
    """The best correction of `word` among `candidates`, or None if none is close enough."""
    ranked = ranked_suggestions(word, candidates)
    return ranked[0] if ranked else None
