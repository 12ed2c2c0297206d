"""The one writer: validate every parsed item first, then write all of them in one transaction.

    report = run_import(lambda: parse(path), actor=user_or_None, dry_run=False, progress=None)

`items` is a zero-argument callable returning a fresh iterator, because the writer reads the stream twice:
pass 1 validates everything (and keeps only ids, so memory does not grow with file size); pass 2, only
if pass 1 found no problem, writes in one transaction. Nothing is written when any problem exists.
(Implementation below.)
"""
