"""Harvesters: pull offerings from national APIs and yield the same records the file parsers yield.

A harvester only fetches (politely, through `importers.http.PoliteClient`) and hands each document to the
format's one mapping path; the writer (`importers.writer.run_import`) validates and stores the records.
"""
