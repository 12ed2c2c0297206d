"""API building blocks shared by every router: one error format, token auth, translated text."""

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer
from pydantic import BaseModel, ConfigDict

from battery_region.core.translation import as_dict


class TranslatedTextOut(Schema):
    fi: str
    sv: str
    en: str


class TranslatedTextIn(BaseModel):
    """Plain pydantic, not ninja's Schema: Schema reads attributes, so "text" would pass as {} silently."""

    model_config = ConfigDict(extra="forbid")

    fi: str | None = None
    sv: str | None = None
    en: str | None = None


class FieldErrorOut(Schema):
    field: str
    message: str


class ErrorDetailOut(Schema):
    code: str
    message: str
    fields: list[FieldErrorOut] = []


class ErrorOut(Schema):
    error: ErrorDetailOut


def translated(obj: Any, name: str) -> dict[str, str]:
    """Serialise one translated attribute as {"fi", "sv", "en"}."""
    return dict(as_dict(obj, name))


def flatten_translated(data: dict[str, Any], *names: str) -> dict[str, Any]:
    """Turn API input {"name": {"fi": …}} into column values {"name_fi": …}, skipping absent languages."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if key in names and isinstance(value, dict):
            for code, text in value.items():
                if text is not None:
                    flat[f"{key}_{code}"] = text
        else:
            flat[key] = value
    return flat


class TokenAuth(HttpBearer):
    """`Authorization: Bearer br_…` tokens created on the profile page."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from battery_region.accounts.services import api_token_authenticate

        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


def _error(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    fields: list[dict[str, str]] | None = None,
) -> HttpResponse:
    return api.create_response(
        request, {"error": {"code": code, "message": message, "fields": fields or []}}, status=status
    )


def _loc_to_field(loc: Any) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "header", "form")]
    return ".".join(parts) or "request"


def install_error_handlers(api: NinjaAPI) -> None:
    """Every failure leaves the API in one shape: {"error": {"code", "message", "fields": [...]}}."""

    @api.exception_handler(NinjaValidationError)
    def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields = [{"field": _loc_to_field(e.get("loc", ())), "message": str(e.get("msg", ""))} for e in exc.errors]
        return _error(api, request, 422, "validation_error", "The request is not valid.", fields)

    @api.exception_handler(DjangoValidationError)
    def _django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            fields = [
                {"field": name, "message": str(message)}
                for name, errors in exc.message_dict.items()
                for message in errors
            ]
        else:
            fields = [{"field": "request", "message": str(m)} for m in exc.messages]
        return _error(api, request, 422, "validation_error", "The request is not valid.", fields)

    @api.exception_handler(PermissionDenied)
    def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return _error(api, request, 403, "permission_denied", str(exc) or "Permission denied.")

    @api.exception_handler(AuthenticationError)
    def _unauthorised(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return _error(api, request, 401, "unauthorised", "A valid API token is required.")

    @api.exception_handler(ObjectDoesNotExist)
    def _missing(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
        return _error(api, request, 404, "not_found", "Not found.")

    @api.exception_handler(Http404)
    def _http404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return _error(api, request, 404, "not_found", "Not found.")

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return _error(api, request, exc.status_code, "error", str(exc.message))

    @api.exception_handler(ValueError)
    def _value_error(request: HttpRequest, exc: ValueError) -> HttpResponse:
        return _error(api, request, 400, "bad_request", str(exc))
