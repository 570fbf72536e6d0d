"""England & Wales recorded-crime tables: detection by header, the mapping of offence groups
onto crimepulse categories, bad rows quarantined with their line, every vintage kept; and
the real tables in ../shared/data."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

import crimepulse
from crimepulse.analysis import categories
from crimepulse.core import schema
from crimepulse.core.reference import offence_groups
from crimepulse.sources import files, registry
from crimepulse.sources.base import Batch
from tests.factories import write

TREND_HEADER = "financial_year,offence_key,offence_label,offences,rate_per_100k"
PFA_HEADER = "period_label,period_months,area_code,area_name,offence_group,offences"


def read(path: Path) -> Batch:
    sf = next(files.discover([path]))
    reader, columns, _ = registry.detect(sf)
    assert reader is not None
    return reader.read(sf, columns)


def test_trend_table_detected_mapped_and_bad_rows_quarantined(tmp_path: Path) -> None:
    path = write(
        tmp_path / "trend.csv",
        TREND_HEADER,
        [
            "2021/22,robbery,TOTAL ROBBERY,100,1.0",
            '2022/23,robbery,TOTAL ROBBERY,"1,200",2.0',
            "2022/23,theft,TOTAL THEFT OFFENCES,900,3.0",
            "2022/24,robbery,TOTAL ROBBERY,5,1.0",  # line 5: not a financial year
            "2020/21,robbery,TOTAL ROBBERY,-3,1.0",  # line 6: negative
            "2019/20,other,SOMETHING NEW,7,1.0",
        ],
    )
    batch = read(path)
    assert batch.format == "ew-offence-groups" and batch.dataset == "national_counts"
    assert batch.table is not None
    assert batch.table.schema == schema.arrow_schema("national_counts")
    rows = {(r["period"], r["offence_group"]): r for r in batch.table.to_pylist()}
    robbery = rows[("2022/23", "TOTAL ROBBERY")]
    assert robbery["count"] == 1200 and robbery["category"] == "robbery"
    assert robbery["area_code"] == "K04000001" and robbery["area_type"] == "country"
    assert (robbery["period_start"], robbery["period_end"]) == (date(2022, 4, 1), date(2023, 3, 31))
    assert rows[("2022/23", "TOTAL THEFT OFFENCES")]["category"] is None
    assert rows[("2019/20", "SOMETHING NEW")]["category"] is None
    assert [(r.line, r.field) for r in batch.rejects] == [(5, "financialyear"), (6, "offences")]
    assert "bad financial year" in batch.rejects[0].reason
    assert batch.rejects[0].raw == "2022/24,robbery,TOTAL ROBBERY,5,1.0"
    assert any("TOTAL THEFT OFFENCES" in n and "burglary" in n for n in batch.notes)
    assert any("SOMETHING NEW" in n and "not a group" in n for n in batch.notes)


def test_force_area_table_names_forces_and_refuses_unknown_areas(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pfa.csv",
        PFA_HEADER,
        [
            "year ending March 2019,2018-04..2019-03,E23000001,Metropolitan Police,Robbery,30",
            "year ending March 2019,2018-04..2019-03,E23000035,Devon and Cornwall,Homicide,2",
            "year ending March 2019,2018-04..2019-03,,British Transport Police,Robbery,4",
            "year ending March 2019,2018-04..2019-03,X99,Nowhere,Robbery,4",  # line 5
            "year ending March 2019,2019-03..2018-04,E12000007,London,Robbery,4",  # line 6
            "year ending March 2019,2018-04..2019-03,E23000002,Cumbria,Robbery,",  # line 7
        ],
    )
    batch = read(path)
    assert batch.format == "pfa-offence-groups"
    assert batch.table is not None
    rows = {r["area_name"]: r for r in batch.table.to_pylist()}
    assert rows["Metropolitan Police"]["force"] == "metropolitan"
    assert rows["Metropolitan Police"]["category"] == "robbery"
    assert rows["Devon and Cornwall"]["force"] == "devon-and-cornwall"
    assert rows["Devon and Cornwall"]["category"] == "homicide"
    assert rows["British Transport Police"]["area_type"] == "force"
    assert rows["Metropolitan Police"]["period_end"] == date(2019, 3, 31)
    assert [(r.line, r.field) for r in batch.rejects] == [
        (5, "areacode"),
        (6, "periodmonths"),
        (7, "offences"),
    ]
    assert "missing count" in batch.rejects[2].reason


def test_every_mapped_group_is_a_category_crimepulse_counts() -> None:
    for group in offence_groups.GROUPS:
        if group.category is None:
            assert group.why, group.key
            continue
        assert categories.resolve(group.category).name == group.category, group.key
    assert offence_groups.group("TOTAL VIOLENCE AGAINST THE PERSON").category == "violence"
    assert offence_groups.group("Non-residential burglary").category is not None
    assert offence_groups.group("TOTAL FRAUD  AND COMPUTER MISUSE OFFENCES").category is None


def test_a_revised_edition_keeps_the_earlier_vintage(tmp_path: Path) -> None:
    first = write(tmp_path / "a" / "t.csv", TREND_HEADER, ["2022/23,robbery,TOTAL ROBBERY,100,1"])
    second = write(tmp_path / "b" / "t.csv", TREND_HEADER, ["2022/23,robbery,TOTAL ROBBERY,110,1"])
    with crimepulse.open(tmp_path / "w.duckdb") as cp:
        cp.ingest(first, vintage=datetime(2023, 7, 20))
        cp.ingest(second, vintage=datetime(2024, 1, 25))
        now = cp.table("national_counts").to_pylist()
        then = cp.table("national_counts", as_of="2023-12-31").to_pylist()
    assert [r["count"] for r in now] == [110]
    assert [r["count"] for r in then] == [100]


@pytest.mark.shared
def test_real_tables(shared_data: Path) -> None:
    folder = shared_data / "england-wales-recorded-crime"
    trend = read(folder / "ew_recorded_crime_by_offence_group_2002_2025.csv")
    assert trend.table is not None and trend.rejects == []
    assert trend.table.num_rows == 299  # 13 series x 23 years, as PROVENANCE.md says
    totals = {
        r["period"]: r["count"]
        for r in trend.table.to_pylist()
        if r["offence_group"].startswith("TOTAL RECORDED CRIME - ALL OFFENCES EXCLUDING")
    }
    assert totals["2022/23"] == 5_578_549 and totals["2018/19"] == 5_266_170
    mapped = {r["category"] for r in trend.table.to_pylist()}
    assert "homicide" not in mapped and {"robbery", "violence", "burglary"} <= mapped
    pfa = read(folder / "pfa_recorded_crime_by_offence_group_2018_2019.csv")
    assert pfa.table is not None
    # Greater Manchester's Jul-Dec 2019 figures are not published: its 23 YE Dec 2019 rows
    # carry no count, and are quarantined rather than read as zeros.
    assert len(pfa.rejects) == 23 and {r.reason for r in pfa.rejects} == {"missing count"}
    met = {
        (r["period"], r["offence_group"]): r["count"]
        for r in pfa.table.to_pylist()
        if r["force"] == "metropolitan"
    }
    assert met[("year ending March 2019", "Total recorded crime (excluding fraud)")] == 858_019
    assert met[("year ending December 2019", "Total recorded crime (excluding fraud)")] == 910_093
