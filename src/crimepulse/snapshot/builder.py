"""Build a snapshot: ask the analysis engine (and the outcomes log) for Facts, then lay the
Facts out as sections of sentences. Nothing here formats a number; nothing computes one
except through the engine or the log.

Granularity is honest: a weekly snapshot uses the week only for sources with days (the
outcomes log, a daily incident feed); monthly sources give their latest published month
and the year to date, and the text says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from importlib import metadata
from typing import Any

from crimepulse.analysis import periods
from crimepulse.analysis.periods import COVID_YEARS, PRE_COVID, month_end
from crimepulse.core.facts import Fact
from crimepulse.core.reference import forces
from crimepulse.core.reference.forces import DEFAULT_FORCE
from crimepulse.errors import MissingDataError, QuestionError, SnapshotError, WindowError
from crimepulse.oplog import OutcomesLog, week_of
from crimepulse.present import numbers
from crimepulse.snapshot import caveats as _caveats
from crimepulse.snapshot import context, figures, maps, narrative, oplog_facts, series_facts
from crimepulse.snapshot.model import Block, Chart, Section, Snapshot, Span
from crimepulse.snapshot.source import FactSource, PositionSource
from crimepulse.snapshot.themes import Theme, get
from crimepulse.store import clock
from crimepulse.store.coverage import Series

PERIODS = ("week", "month", "year", "financial-year")
_WINDOWS = {"month": ("month", "ytd"), "year": ("year",), "financial-year": ("fy",)}
MAX_FLAGS = 4  # seasonal alerts shown under "where we must improve"
MAX_BOROUGHS = 3  # boroughs named for a meaningful rise or fall


@dataclass(frozen=True)
class Plan:
    """What a snapshot counts: the monthly windows' end, and the week for daily sources."""

    period: str
    as_of: date  # the day the snapshot describes up to
    month_end: date  # the last whole month the monthly sources are counted to
    windows: tuple[str, ...]
    week: str | None = None
    week_start: date | None = None

    @property
    def period_start(self) -> date:
        if self.week_start:
            return self.week_start
        return periods.window(self.windows[0], self.month_end).start


def parse_as_of(period: str, text: str) -> date:
    """As-of dates people write: 2022 (a year), 2022-23 (a financial year), YYYY-MM, a day."""
    text = text.strip()
    if period == "year" and len(text) == 4 and text.isdigit():
        return date(int(text), 12, 31)
    if period == "financial-year" and len(text) == 7 and text[4] == "-" and text[:4].isdigit():
        return date(int(text[:4]) + 1, 3, 31)
    return periods.parse_as_of(text)


@dataclass(frozen=True)
class OpsGroup:
    """Fact ids of one operation's week (`title` its log theme), or of a period's totals
    (`title` None): the counts, crimes solved last, then the quoted entries."""

    title: str | None
    counts: list[str]
    entries: list[str] = field(default_factory=list)


class Builder:
    """Builds one snapshot from a FactSource (the facade over an open warehouse, or a
    test's fake) and, optionally, the outcomes log."""

    def __init__(
        self,
        cp: FactSource,
        theme: Theme,
        area: str = "all",
        force: str = DEFAULT_FORCE,
        log: OutcomesLog | None = None,
        charts: bool = True,
    ) -> None:
        self.cp, self.theme, self.area, self.force = cp, theme, area, force
        self.place = forces.force(force).place  # "London": what the force area is called
        self.log, self.charts = log, charts
        self.facts: dict[str, dict[str, Any]] = {}
        self.left_out: list[str] = []
        self._coverage: list[Series] | None = None

    @property
    def coverage(self) -> list[Series]:
        """The warehouse's coverage, asked for once (caveats and the trend chart use it)."""
        if self._coverage is None:
            self._coverage = list(self.cp.sources())
        return self._coverage

    def add(self, fact: Fact | dict[str, Any]) -> str:
        d = fact.as_dict() if isinstance(fact, Fact) else fact
        self.facts.setdefault(d["id"], d)
        return str(d["id"])

    # -- what to count -------------------------------------------------------------------

    def plan(self, period: str, as_of: str) -> Plan:
        if period not in PERIODS:
            raise SnapshotError(f"unknown period {period!r}: use {', '.join(PERIODS)}")
        day = parse_as_of(period, as_of)
        if period != "week":
            if day != month_end(day):
                raise SnapshotError(
                    f"a {period} snapshot ends on a month's last day (monthly sources); "
                    f"got {day}: use YYYY-MM"
                )
            return Plan(period, day, day, _WINDOWS[period])
        sunday = day - timedelta(days=(day.weekday() + 1) % 7)
        monday = sunday - timedelta(days=6)
        last = self._latest_month(day)  # the months published by the as-of day
        windows = ("month", "ytd") if last.month > 1 else ("month",)
        return Plan(period, sunday, last, windows, week_of(sunday), monday)

    def _latest_month(self, day: date) -> date:
        """The last whole month up to `day` that the monthly sources have published: from
        the one clock (store/clock.py), so the snapshot names the month the pages name,
        then a month earlier while the theme's lead category is not counted in it."""
        end = month_end(day)
        end = end if end == day else month_end(day.replace(day=1) - timedelta(days=1))
        latest = clock.latest_month(self.coverage)
        if latest is not None:
            end = min(end, latest)
        for _ in range(12):
            try:
                self.cp.compare(
                    area=self.area,
                    category=self.theme.lead,
                    window="month",
                    as_of=end,
                    force=self.force,
                )
                return end
            except (MissingDataError, WindowError):  # not published yet: a month earlier
                end = month_end(end.replace(day=1) - timedelta(days=1))
        raise SnapshotError(f"no monthly figures published in the 12 months before {day}")

    # -- Facts ---------------------------------------------------------------------------

    def headline(self, plan: Plan) -> list[tuple[str, str]]:
        """(fact id, label) per theme category and window, against the year before: one
        engine grid (one query, the false discovery rate controlled across the headline),
        else one comparison per figure when the grid cannot count them together."""
        labels = dict(self.theme.categories)
        level = "force" if self.area == "all" else "boroughs"
        try:
            grid = self.cp.grid(
                areas=level,
                categories=",".join(labels),
                windows=",".join(plan.windows),
                as_of=plan.month_end,
                force=self.force,
            )
        except QuestionError:  # the grid cannot count them together: one by one
            return self._headline_one_by_one(plan)
        found = {}
        for fact in grid.facts:
            if level == "boroughs" and fact.area.name.lower() != self.area.lower():
                continue
            found[(fact.category.name, fact.window.name)] = fact
        out = []
        for category, label in self.theme.categories:
            for window in plan.windows:
                cell = found.get((category, window))
                if cell is None:
                    self.left_out.append(f"{label.capitalize()} could not be counted.")
                    continue
                named = replace(cell, category=replace(cell.category, label=label))
                out.append((self.add(named), label))
        return out

    def _headline_one_by_one(self, plan: Plan) -> list[tuple[str, str]]:
        out = []
        for category, label in self.theme.categories:
            for window in plan.windows:
                try:
                    fact = self.cp.compare(
                        area=self.area,
                        category=category,
                        window=window,
                        as_of=plan.month_end,
                        vs="last-year",
                        force=self.force,
                    )
                except QuestionError as exc:
                    self.left_out.append(f"{label.capitalize()} ({window}) is not shown: {exc}")
                    continue
                out.append((self.add(fact), label))
        return out

    def daily(self, plan: Plan) -> list[tuple[str, str]]:
        """The week from the daily incident feed, where there is one and it can count the
        category; against the same week last year, else the week before."""
        out = []
        for category, label in self.theme.categories:
            fact = None
            for vs in ("last-year", "previous"):
                try:
                    fact = self.cp.compare(
                        area=self.area,
                        category=category,
                        window="7d",
                        as_of=plan.as_of,
                        vs=vs,
                        source="feed",
                        force=self.force,
                    )
                    break
                except (MissingDataError, WindowError):  # no such week: try the week before
                    continue
                except QuestionError:  # the feed cannot count this category at all
                    break
            if fact is not None:
                out.append((self.add(fact), label))
        return out

    def operations(self, plan: Plan) -> list[OpsGroup]:
        """What officers did: by operation for a week (each count tested against that
        operation's own recent weeks), summed per event type over a longer period."""
        if self.log is None:
            return []
        if plan.week:
            groups = oplog_facts.week_operations(self.log, plan.week, self.theme, self.area)
            return [
                OpsGroup(
                    g.theme[:1].upper() + g.theme[1:],
                    [self.add(f) for f in g.counts] + ([self.add(g.solved)] if g.solved else []),
                    [self.add(f) for f in g.entries],
                )
                for g in groups
            ]
        start = periods.window(plan.windows[0], plan.month_end).start
        found = oplog_facts.period_facts(self.log, start, plan.month_end, self.theme, self.area)
        return [OpsGroup(None, [self.add(f) for f in found])] if found else []

    def flags(self, plan: Plan) -> list[tuple[str, str]]:
        labels = dict(self.theme.categories)
        try:
            found = self.cp.flags(
                as_of=plan.month_end, categories=",".join(labels), force=self.force, years=3
            )
        except QuestionError:
            return []
        out = []
        for fact in found:
            if self.area != "all" and fact.area.name.lower() != self.area.lower():
                continue
            out.append((self.add(fact), labels.get(fact.category.name, fact.category.name)))
        return out[:MAX_FLAGS]

    def position(self, plan: Plan) -> list[Block]:
        """Where the theme's lead category stands against the covid years' low and its
        2017–19 level (analysis/position.py), shown under "where we must improve" only when
        it has risen from that low by more than its usual variation; nothing otherwise
        (the words never say "above its low" on a change within usual variation)."""
        if not isinstance(self.cp, PositionSource) or plan.month_end.year <= COVID_YEARS[1]:
            return []
        label = self.theme.categories[0][1]
        try:
            found = self.cp.position(
                self.theme.lead, as_of=plan.month_end, area=self.area, force=self.force
            )
        except QuestionError as exc:
            self.left_out.append(
                f"{label.capitalize()} is not set against its covid-era low and its "
                f"{PRE_COVID[0]}–{PRE_COVID[1] % 100:02d} level: {exc}"
            )
            return []
        if found.low.verdict != "up":
            return []
        low_id, base_id = self.add(found.low), self.add(found.baseline)
        first, second = narrative.position_sentences(
            low_id,
            self.facts[low_id],
            base_id,
            self.facts[base_id],
            label,
            found.low_years,
            found.baseline_years,
        )
        return [Block("li", first), Block("sub", second)]

    # -- the document --------------------------------------------------------------------

    def build(self, period: str, as_of: str) -> Snapshot:
        plan = self.plan(period, as_of)
        headline = self.headline(plan)
        if not headline:
            raise SnapshotError(
                "no figure of the theme could be counted: " + "; ".join(self.left_out)
            )
        daily = self.daily(plan) if plan.week else []
        ops = self.operations(plan)
        flagged = self.flags(plan)
        charts: list[Chart] = []
        if self.charts:
            charts = [c for c in (self.trend_chart(plan, headline), self.map_chart(plan)) if c]
        sections = self.sections(plan, headline, daily, ops, flagged, charts)
        sections[1:1], context_notes = self.context_sections(plan)
        used = [self.facts[i] for i in self.cited(sections, charts)]
        notes = self.granularity_notes(plan, daily, ops) + self.left_out + context_notes
        box = _caveats.caveats(used, self.coverage, self.force, notes)
        sections.append(
            Section("caveats", "How to read these figures", [Block("note", [Span(t)]) for t in box])
        )
        cited = self.cited(sections, charts)
        facts = {i: self.facts[i] for i in cited}
        return Snapshot(self.meta(plan, facts), facts, sections, charts)

    def context_sections(self, plan: Plan) -> tuple[list[Section], list[str]]:
        """After the headline: the last complete year (for a week or a month) and the force
        against the rest of England and Wales (snapshot/context.py), with their caveats."""
        ctx = context.Context(self.cp, self.theme, self.force, self.area, self.add)
        year = (
            context.year_section(ctx, plan.month_end, plan.windows)
            if plan.period in ("week", "month")
            else None
        )
        found = [s for s in (year, context.national_section(ctx, plan.as_of)) if s is not None]
        return found, ctx.notes

    def cited(self, sections: list[Section], charts: list[Chart]) -> list[str]:
        return Snapshot({}, self.facts, sections, charts).cited()

    def meta(self, plan: Plan, facts: dict[str, dict[str, Any]]) -> dict[str, Any]:
        area = self.place if self.area == "all" else self.area
        when = (plan.week and f"week of {numbers.week(plan.week)}") or numbers.span(
            plan.period_start.isoformat(), plan.month_end.isoformat()
        )
        synthetic = any(
            s.get("source") == "synthetic" for f in facts.values() for s in f.get("sources", [])
        )
        return {
            "title": f"{self.theme.title} in {area}: {when}",
            "period": plan.period,
            "as_of": plan.as_of.isoformat(),
            "week": plan.week,
            "week_start": plan.week_start.isoformat() if plan.week_start else None,
            "month_end": plan.month_end.isoformat(),
            "windows": list(plan.windows),
            "theme": self.theme.as_dict(),
            "area": self.area,
            "force": self.force,
            "synthetic": synthetic,
            "built_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "generator": f"crimepulse {_version()}",
        }

    def granularity_notes(self, plan: Plan, daily: list[Any], ops: list[Any]) -> list[str]:
        if not plan.week:
            return []
        month = numbers.month(plan.month_end.isoformat())
        stale = _stale_months_note(plan)
        text = (
            "Recorded crime figures are published by month, not by week: this weekly "
            f"snapshot gives them for {month}, the latest month published, and for the year "
            "to date. Only "
        )
        weekly = ["the operational results (from the outcomes log)"] if ops else []
        if daily:
            weekly.append("the daily incident feed figures")
        if not weekly:
            none = text.replace(" Only ", " No weekly source was available for this week.")
            return [*stale, none]
        return [*stale, text + " and ".join(weekly) + " are for the week itself."]

    def sections(
        self,
        plan: Plan,
        headline: list[tuple[str, str]],
        daily: list[tuple[str, str]],
        ops: list[OpsGroup],
        flagged: list[tuple[str, str]],
        charts: list[Chart],
    ) -> list[Section]:
        f = self.facts
        where = self.place if self.area == "all" else self.area
        intro = f"This snapshot is about {self.theme.about}, in {where}. "
        if plan.week and plan.week_start:
            week = numbers.span(plan.week_start.isoformat(), plan.as_of.isoformat())
            month = numbers.month(plan.month_end.isoformat())
            intro += (
                f"It covers the week of {week}. Crime figures are published monthly, so the "
                f"figures below are for {month}, the latest month published, and the year "
                "to date; the operational results are for the week itself."
            )
            intro = " ".join([intro, *_stale_months_note(plan)])
        else:
            intro += "Each figure is compared with the same period a year before."
        head = [Block("p", [Span(intro)])]
        head += [Block("li", narrative.change_sentence(i, f[i], label)) for i, label in headline]
        head += [Block("li", narrative.change_sentence(i, f[i], label)) for i, label in daily]
        out = [Section("headline", "The headline figures", head)]

        boroughs = self._borough_changes(charts)
        well = [i for i, _ in headline + daily if f[i]["verdict"] == "down"]
        worse = [i for i, _ in headline + daily if f[i]["verdict"] == "up"]
        labels = dict(headline + daily + flagged + boroughs)
        good = [Block("li", narrative.well_sentence(i, f[i], labels[i])) for i in well]
        good += [
            Block("li", narrative.well_sentence(i, f[i], labels[i]))
            for i, _ in boroughs
            if f[i]["verdict"] == "down"
        ][:MAX_BOROUGHS]
        good += [
            Block("li", narrative.flag_sentence(i, f[i], labels[i]))
            for i, _ in flagged
            if f[i]["verdict"] == "down"
        ]
        if not good:
            good = [Block("p", narrative.words_only(narrative.TEMPLATES["well_none"]))]
        out.append(Section("well", "What went well", good))

        bad = [Block("li", narrative.change_sentence(i, f[i], labels[i])) for i in worse]
        bad += [
            Block("li", narrative.change_sentence(i, f[i], labels[i]))
            for i, _ in boroughs
            if f[i]["verdict"] == "up"
        ][:MAX_BOROUGHS]
        bad += [
            Block("li", narrative.flag_sentence(i, f[i], labels[i]))
            for i, _ in flagged
            if f[i]["verdict"] == "up"
        ]
        bad += self.position(plan)
        if not bad:
            bad = [Block("p", narrative.words_only(narrative.TEMPLATES["improve_none"]))]
        out.append(Section("improve", "Where we must improve", bad))

        if self.log is not None:
            out.append(self._operations_section(plan, ops))
        for chart in charts:
            title = "The trend" if chart.kind == "trend" else f"Across {self.place}"
            out.append(Section(chart.kind, title, [Block("chart", [], chart.id)]))
        out.append(Section("next", "What happens next", [Block("p", [Span(self.theme.next)])]))
        return out

    def _operations_section(self, plan: Plan, ops: list[OpsGroup]) -> Section:
        f = self.facts
        if plan.week and plan.week_start:
            week = numbers.span(plan.week_start.isoformat(), plan.as_of.isoformat())
            lead = (
                f"What officers did in the week of {week}, by operation, from the "
                "operational outcomes log (entries approved by a reviewer); each figure is "
                "compared with the same operation's previous 13 weeks:"
            )
            title = "What officers did this week"
        else:
            lead = (
                "What officers did over the period, from the operational outcomes log "
                "(entries approved by a reviewer, counted by whole weeks):"
            )
            title = "Operational results"
        if not ops:
            text = "The outcomes log holds no approved entries on this theme for the period."
            return Section("operations", title, [Block("p", [Span(text)])])
        blocks = [Block("p", [Span(lead)])]
        for group in ops:
            if group.title is None:
                blocks += [
                    Block(
                        "li",
                        narrative.ops_sentence(
                            i, f[i], oplog_facts.label(f[i]["category"]["name"]), "in the period"
                        ),
                    )
                    for i in group.counts
                ]
                continue
            counts = [(i, f[i]) for i in group.counts]
            blocks.append(Block("li", narrative.operation_sentence(group.title, counts)))
            blocks.append(Block("sub", narrative.operation_against(counts)))
            blocks += [Block("quote", narrative.entry_sentence(i, f[i])) for i in group.entries]
        return Section("operations", title, blocks)

    def _borough_changes(self, charts: list[Chart]) -> list[tuple[str, str]]:
        """Boroughs with a meaningful change in the map's grid, most certain first."""
        found = []
        lead_label = self.theme.categories[0][1]
        for chart in charts:
            if chart.kind != "map" or self.area != "all":
                continue
            for i in chart.facts:
                fact = self.facts[i]
                if fact["verdict"] in ("up", "down") and fact["area"].get("code"):
                    found.append(
                        (fact.get("q_value") or 1.0, i, f"{lead_label} in {fact['area']['name']}")
                    )
        return [(i, label) for _, i, label in sorted(found)]

    # -- charts --------------------------------------------------------------------------

    def trend_chart(self, plan: Plan, headline: list[tuple[str, str]]) -> Chart | None:
        lead = next(
            (i for i, _ in headline if self.facts[i]["category"]["name"] == self.theme.lead), None
        )
        source = self.facts[lead]["source"] if lead else "mps"
        try:
            trend = series_facts.trend_facts(
                self.cp,
                self.coverage,
                self.area,
                self.theme.lead,
                plan.month_end.replace(day=1),
                source,
                self.force,
            )
        except QuestionError as exc:
            self.left_out.append(f"The trend chart is not shown: {exc}")
            return None
        if not trend.counts:
            return None
        label = self.theme.categories[0][1]
        for f in trend.counts + trend.expected:
            f["category"] = {**f["category"], "label": label}
        ids = [self.add(f) for f in trend.counts] + [self.add(f) for f in trend.expected]
        return Chart(
            "trend",
            "trend",
            f"{label.capitalize()}, month by month",
            ids,
            figures.trend_alt(self.facts, trend.counts, trend.expected, label),
        )

    def map_chart(self, plan: Plan) -> Chart | None:
        window = plan.windows[-1]
        try:
            grid = self.cp.grid(
                areas="boroughs",
                categories=self.theme.lead,
                windows=window,
                as_of=plan.month_end,
                vs="last-year",
                force=self.force,
            )
        except QuestionError as exc:
            self.left_out.append(f"The borough map is not shown: {exc}")
            return None
        label = self.theme.categories[0][1]
        ids = [self.add(replace(f, category=replace(f.category, label=label))) for f in grid.facts]
        if not ids:
            return None
        fact = self.facts[ids[0]]
        when = numbers.span(fact["window"]["start"], fact["window"]["end"])
        geography = maps.geography(self.cp)
        return Chart(
            "map",
            "map",
            f"{label.capitalize()} by borough, {when}, against a year before",
            ids,
            figures.map_alt(self.facts, ids, label, when, self.place),
            {"geography": geography},
        )


def months_between(earlier: date, later: date) -> int:
    """Calendar months from `earlier`'s month to `later`'s (0 in the same month)."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month


STALE_AFTER = 1  # months: the usual publishing lag of monthly figures behind a week


def _stale_months_note(plan: Plan) -> list[str]:
    """A plain statement when the monthly figures end months before the week described,
    so no reader takes them for this week's news."""
    if plan.week_start is None:
        return []
    gap = months_between(plan.month_end, plan.week_start)
    if gap <= STALE_AFTER:
        return []
    month = numbers.month(plan.month_end.isoformat())
    return [
        f"The latest monthly recorded-crime figures held are for {month}, {gap} months "
        f"before the week of this snapshot ({plan.week}): they describe {month}, not this "
        "week, and newer months have not been loaded."
    ]


def _version() -> str:
    """This installation's version, from its package metadata (no import of the facade)."""
    try:
        return metadata.version("crimepulse")
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        return "(not installed)"


def build(
    cp: FactSource,
    period: str,
    as_of: str,
    theme: str | Theme,
    area: str = "all",
    *,
    log: OutcomesLog | None = None,
    force: str = DEFAULT_FORCE,
    charts: bool = True,
) -> Snapshot:
    """A snapshot of `theme` for `period` (week, month, year, financial-year) to `as_of`,
    from the Facts `cp` answers (`crimepulse.Crimepulse` is one FactSource)."""
    chosen = get(theme) if isinstance(theme, str) else theme
    return Builder(cp, chosen, area, force, log, charts).build(period, as_of)
