"""Catalogue in the API: programmes and offerings."""

from ninja import Router

router = Router()
