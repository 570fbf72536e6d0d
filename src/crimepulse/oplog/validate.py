"""Validation of events, shared by the HTTP API, the CLI and the CSV import.

One set of rules, so a row the import rejects is rejected by the API with the same field
and reason. Failures are collected (not first-error-wins) and name the field, so a unit
can fix a whole row at once. Text is stored as text through bound parameters; nothing
here tries to "sanitise" SQL-looking strings, which are legitimate summaries.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from crimepulse.errors import FieldError as FieldError
from crimepulse.errors import ValidationFailed as ValidationFailed
from crimepulse.state import tables

MAX_COUNT = 100_000  # no unit records a hundred thousand arrests in one entry
MAX_CRIME_IDS = 100
EARLIEST = date(1990, 1, 1)


@dataclass(frozen=True)
class Catalog:
    """The event types and units an admin has registered (data, not code)."""

    event_types: frozenset[str]
    units: Mapping[str, str]  # casefolded name -> name as registered


def _clean_text(multiline: bool) -> AfterValidator:
    allowed = {"\n", "\t"} if multiline else {"\t"}

    def check(value: str) -> str:
        for ch in value:
            if unicodedata.category(ch) == "Cc" and ch not in allowed:
                raise ValueError(f"contains the control character U+{ord(ch):04X}")
        return value

    return AfterValidator(check)


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _text(max_length: int, multiline: bool = False) -> Any:
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length),
        _clean_text(multiline),
    ]


def _optional_text(max_length: int, multiline: bool = False) -> Any:
    return Annotated[_text(max_length, multiline) | None, BeforeValidator(_blank_is_none)]


class EventIn(BaseModel):
    """An outcome event as recorded (version 1) or as it stands after an amendment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_type: _text(tables.TYPE_LEN)  # type: ignore[valid-type]
    occurred_on: date
    count: int = Field(ge=1, le=MAX_COUNT)
    unit: _text(tables.UNIT_LEN)  # type: ignore[valid-type]
    theme: _text(tables.THEME_LEN)  # type: ignore[valid-type]
    borough: _optional_text(tables.BOROUGH_LEN) = None  # type: ignore[valid-type]
    crimes_solved: int | None = Field(default=None, ge=0, le=MAX_COUNT * 10)
    related_crime_ids: list[_text(tables.CRIME_ID_LEN)] = Field(  # type: ignore[valid-type]
        default_factory=list, max_length=MAX_CRIME_IDS
    )
    summary: _text(tables.SUMMARY_LEN)  # type: ignore[valid-type]
    note: _optional_text(tables.NOTE_LEN, multiline=True) = None  # type: ignore[valid-type]

    @field_validator("event_type")
    @classmethod
    def _known_type(cls, value: str, info: ValidationInfo) -> str:
        name = re.sub(r"[\s-]+", "_", value.lower())
        catalog = _catalog(info)
        if catalog is not None and name not in catalog.event_types:
            known = ", ".join(sorted(catalog.event_types))
            raise ValueError(f"unknown event type {value!r}; known: {known}")
        return name

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, value: str, info: ValidationInfo) -> str:
        catalog = _catalog(info)
        if catalog is None:
            return value
        registered = catalog.units.get(value.casefold())
        if registered is None:
            raise ValueError(f"unknown unit {value!r}; an admin adds units (log units add)")
        return registered

    @field_validator("theme")
    @classmethod
    def _theme(cls, value: str) -> str:
        return " ".join(value.lower().split())

    @field_validator("occurred_on")
    @classmethod
    def _not_future(cls, value: date, info: ValidationInfo) -> date:
        today = (info.context or {}).get("today") or date.today()
        if value > today:
            raise ValueError(f"{value} is in the future (today is {today})")
        if value < EARLIEST:
            raise ValueError(f"{value} is before {EARLIEST}; is the year right?")
        return value

    def fields(self) -> dict[str, Any]:
        return self.model_dump()


class AmendmentIn(BaseModel):
    """A correction: the fields that change, and why. `void` withdraws the event."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: _text(tables.REASON_LEN)  # type: ignore[valid-type]
    void: bool = False
    event_type: str | None = None
    occurred_on: Any = None
    count: Any = None
    unit: str | None = None
    theme: str | None = None
    borough: str | None = None
    crimes_solved: Any = None
    related_crime_ids: Any = None
    summary: str | None = None
    note: str | None = None

    def changes(self) -> dict[str, Any]:
        """The event fields the amendment sets (explicit nulls included, to clear them)."""
        return self.model_dump(exclude_unset=True, exclude={"reason", "void"})


def _catalog(info: ValidationInfo) -> Catalog | None:
    return (info.context or {}).get("catalog")


def errors_of(exc: ValidationError) -> list[FieldError]:
    """Pydantic's errors as (field, reason), with "Value error, " prefixes dropped."""
    found = []
    for err in exc.errors(include_url=False):
        field = ".".join(str(p) for p in err["loc"]) or "(body)"
        reason = str(err.get("ctx", {}).get("error") or err["msg"])
        if err["type"] == "missing" or (err["type"].endswith("_type") and err["input"] is None):
            reason = "required"
        elif err["type"] == "extra_forbidden":
            reason = "unknown field"
        found.append(FieldError(field, reason))
    return found


def event(raw: Mapping[str, Any], catalog: Catalog | None, today: date | None = None) -> EventIn:
    """Validate an event; raise ValidationFailed naming every bad field."""
    try:
        return EventIn.model_validate(dict(raw), context={"catalog": catalog, "today": today})
    except ValidationError as exc:
        raise ValidationFailed(errors_of(exc)) from None


def amendment(raw: Mapping[str, Any]) -> AmendmentIn:
    """Validate the shape of an amendment (the merged event is validated by `event`)."""
    try:
        return AmendmentIn.model_validate(dict(raw))
    except ValidationError as exc:
        raise ValidationFailed(errors_of(exc)) from None
