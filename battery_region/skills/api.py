"""Skills and roles in the API."""

from ninja import Router

router = Router()
