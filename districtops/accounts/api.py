import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from districtops.gate.api_utils import Limit, Offset, page, page_schema
from districtops.gate.permissions import scope_of

from . import services
from .models import ApiToken

router = Router(tags=["accounts"])


class GrantOut(Schema):
    unit_id: int
    district_id: int | None
    role: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    grants: list[GrantOut]


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=60)
    expires_days: int | None = Field(None, ge=1, le=3650)


class TokenCreated(TokenOut):
    secret: str


@router.get("/me", response=MeOut)
def me(request):
    user = request.auth
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "grants": [g.__dict__ for g in scope_of(user).grants],
    }


@router.get("/tokens", response=page_schema(TokenOut, "TokenPage"))
def list_tokens(request, limit: Limit = 500, offset: Offset = 0):
    return page(ApiToken.objects.filter(user=request.auth), limit, offset)


@router.post("/tokens", response={201: TokenCreated})
def create_token(request, payload: TokenIn):
    token, secret = services.create_token(
        request.auth, request.auth, name=payload.name, expires_days=payload.expires_days
    )
    data = TokenOut.from_orm(token).dict()
    return Status(201, {**data, "secret": secret})


@router.delete("/tokens/{token_id}", response={204: None})
def revoke_token(request, token_id: int):
    token = get_object_or_404(ApiToken, pk=token_id, user=request.auth)
    services.revoke_token(request.auth, token)
    return Status(204, None)
