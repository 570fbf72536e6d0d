"""Users, roles, API tokens and the review pages' sessions.

A token is 32 random bytes (URL-safe text) shown once; the database keeps only its
sha256, so a stolen database copy cannot be used to sign in. Lookup is by the hash (an
indexed unique column), then confirmed with a constant-time comparison. A token may have
an expiry. A session (the review pages' cookie) is another 32 random bytes, kept hashed
the same way, that lives at most `SESSION_LIFETIME` and never past its token's expiry.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from crimepulse.errors import Forbidden as Forbidden
from crimepulse.errors import Unauthorized as Unauthorized

TOKEN_PREFIX = "cpk_"
SESSION_PREFIX = "cps_"
SESSION_LIFETIME = timedelta(hours=12)  # a working day's review; sign in again after


class Role(StrEnum):
    recorder = "recorder"  # adds and amends events
    reviewer = "reviewer"  # approves events for publication, reads the audit trail
    admin = "admin"  # users, event types, units; may do everything else too


# What each action needs. Admin is in every set: the local CLI acts as an admin.
RECORD = frozenset({Role.recorder, Role.admin})
REVIEW = frozenset({Role.reviewer, Role.admin})
READ = frozenset({Role.recorder, Role.reviewer, Role.admin})
ADMIN = frozenset({Role.admin})


@dataclass(frozen=True)
class Actor:
    """Who is acting, and from which client (an address and user agent, or `cli`)."""

    id: int
    name: str
    role: Role
    client: str = "cli"

    def with_client(self, client: str) -> Actor:
        return Actor(self.id, self.name, self.role, client)


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_session_id() -> str:
    return SESSION_PREFIX + secrets.token_urlsafe(32)


class TokenExpired(Unauthorized):
    """A token past its expiry: a 401 like any other, saying when it expired."""

    def __init__(self, at: datetime) -> None:
        super().__init__(
            f"token expired on {at:%Y-%m-%d %H:%M} UTC; an admin can give a new one (users rotate)"
        )
        self.at = at


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), stored_hash)


def require(actor: Actor, allowed: frozenset[Role], action: str) -> None:
    """Raise Forbidden unless the actor's role is allowed to do `action`."""
    if actor.role not in allowed:
        roles = " or ".join(sorted(allowed))
        raise Forbidden(f"{action} needs the role {roles}; {actor.name} is a {actor.role}")
