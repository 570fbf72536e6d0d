"""Category names resolve in one place, case-insensitively, with documented mappings."""

from __future__ import annotations

import pytest

from crimepulse.analysis import categories as cats


@pytest.mark.parametrize(
    ("name", "majors", "minors", "types"),
    [
        ("Robbery", ("ROBBERY",), (), ("Robbery",)),
        ("homicide", (), ("HOMICIDE",), None),
        ("WEAPONS", ("POSSESSION OF WEAPONS",), (), ("Possession of weapons",)),
        ("violence against the person", ("VIOLENCE AGAINST THE PERSON",), (), None),
        ("shoplifting", (), ("SHOPLIFTING",), ("Shoplifting",)),
        ("rape", (), ("RAPE",), None),
    ],
)
def test_resolve(name: str, majors: tuple, minors: tuple, types: tuple | None) -> None:
    c = cats.resolve(name)
    assert c.mps_majors == majors and c.mps_minors == minors and c.crime_types == types


def test_police_uk_type_maps_onto_mps_minors() -> None:
    vehicle = cats.resolve("vehicle crime")
    assert set(vehicle.mps_minors) == {
        "AGGRAVATED VEHICLE TAKING",
        "INTERFERING WITH A MOTOR VEHICLE",
        "THEFT FROM A VEHICLE",
        "THEFT OR UNAUTH TAKING OF A MOTOR VEH",
    }


def test_every_minor_has_a_major_and_a_police_uk_type() -> None:
    for minor, (crime_type, _) in cats.MPS_MINORS.items():
        assert cats._major_of(minor) in cats.MPS_MAJORS
        assert crime_type in cats.POLICE_UK_TYPES


def test_fraud_has_no_harm_subgroup_rather_than_a_guess() -> None:
    assert cats.subgroup_of("NFIB") is None
    assert cats.subgroup_of("homicide") == "Homicide"


def test_unknown_category_lists_the_groupings() -> None:
    with pytest.raises(cats.CategoryError, match="acquisitive"):
        cats.resolve("jaywalking")
