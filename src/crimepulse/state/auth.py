"""Users, roles and API tokens.

A token is 32 random bytes (URL-safe text) shown once; the database keeps only its
sha256, so a stolen database copy cannot be used to sign in. Lookup is by the hash (an
indexed unique column), then confirmed with a constant-time comparison.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum

from crimepulse.errors import Forbidden as Forbidden
from crimepulse.errors import Unauthorized as Unauthorized

TOKEN_PREFIX = "cpk_"


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


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), stored_hash)


def require(actor: Actor, allowed: frozenset[Role], action: str) -> None:
    """Raise Forbidden unless the actor's role is allowed to do `action`."""
    if actor.role not in allowed:
        roles = " or ".join(sorted(allowed))
        raise Forbidden(f"{action} needs the role {roles}; {actor.name} is a {actor.role}")
