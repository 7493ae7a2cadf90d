"""A first guess at the mapping, from the column names and the first rows; the user confirms or edits it.

Column names are matched by their words (ARM_WORDS, EXPOSURE_WORDS...), values
by what they look like (numbers, 0/1 flags, dates); the layout follows from
whether outcome columns are per-person flags or per-day counts.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

from lib.specs import MetricKind, arm_roles

from .arms import control_value_of, tokens
from .mapping import ImportMapping, Layout, MetricMapping
from .values import OK, TOTAL_ROW, date_token, is_blank, parse_value


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words in column names (split on anything but letters and digits) that say what a column holds.
ARM_WORDS = _words(
    "arm variant variation group cohort treatment bucket cell condition version split experiment test branch segment"
)
DATE_WORDS = _words("date day week period time timestamp datetime datum fecha created sent_at created_at month")
EXPOSURE_WORDS = _words(
    "visitors visitor visits sessions sent delivered exposures exposed impressions users "
    "contacts recipients participants trials audience reach views pageviews emails calls "
    "messages targeted n"
)
CONVERSION_WORDS = _words(
    "conversions conversion converted clicks click replies reply replied signups signup "
    "orders purchases purchased opens opened responses leads bookings meetings successes "
    "registrations downloads sales wins demos"
)
AMOUNT_WORDS = _words(
    "revenue amount spend spent value sales gmv cost price total basket aov profit margin income turnover umsatz"
)
ID_WORDS = _words(
    "id uuid email mail name user customer contact phone address account company order_id "
    "session_id ip url comment notes campaign"
)
PERSON_WORDS = _words(
    "user userid uid customer customerid client clientid contact contactid visitor visitorid member memberid "
    "subscriber recipient person email mail"
)
PERSON_ID_WORDS = _words("id no nr number key uuid guid hash hashed address e")
SQ_WORDS = _words("sq squares sumsq squared sum_sq sum2")
N_WORDS = _words("n count orders units buyers customers transactions")


def _stem(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("s") and len(word) > 3:
        word = word[:-1]
    return word[:5]


def slug(name: str) -> str:
    """A metric name from a column name: 'Revenue (EUR)' -> 'revenue_eur'."""
    return "_".join(tokens(name)) or "metric"


@dataclass
class _Profile:
    """What the sample says about one column."""

    name: str
    position: int
    tokens: list[str]
    cells: list[object]  # one per sample row, blanks included
    values: list[object] = field(default_factory=list)  # the non-blank cells
    numeric: int = 0
    flags: int = 0
    dates: int = 0
    integers: int = 0

    @property
    def filled(self) -> int:
        return len(self.values)

    def _share(self, count: int, at_least: float) -> bool:
        return self.filled > 0 and count >= at_least * self.filled

    @property
    def is_numeric(self) -> bool:
        return self._share(self.numeric, 0.9)

    @property
    def is_flag(self) -> bool:
        return self._share(self.flags, 0.98)

    @property
    def is_date(self) -> bool:
        return self._share(self.dates, 0.9)

    @property
    def looks_like_id(self) -> bool:
        """Distinct whole numbers on every row (customer or order numbers), not a result."""
        return (
            self.filled > 20
            and self.integers == self.filled
            and len(set(map(str, self.values))) == self.filled
            and not self.named(EXPOSURE_WORDS | CONVERSION_WORDS | AMOUNT_WORDS)
        )

    def named(self, words: frozenset[str]) -> bool:
        return any(t in words for t in self.tokens) or "_".join(self.tokens) in words


def _profile(name: str, position: int, cells: list[object], decimal: str) -> _Profile:
    profile = _Profile(name, position, tokens(name), cells)
    read: dict[tuple[type, object], tuple[int, int, int, int] | None] = {}  # a sample repeats its values
    for cell in cells:
        key = (type(cell), cell)
        try:
            counts = read[key]
        except KeyError:
            counts = read[key] = _read_cell(cell, decimal)
        except TypeError:  # an unhashable cell value: read it every time
            counts = _read_cell(cell, decimal)
        if counts is None:
            continue
        profile.values.append(cell)
        numeric, integers, flags, dates = counts
        profile.numeric += numeric
        profile.integers += integers
        profile.flags += flags
        profile.dates += dates
    return profile


def _read_cell(cell: object, decimal: str) -> tuple[int, int, int, int] | None:
    """(numeric, integer, flag, date) as 0/1 for one cell; None when it is blank."""
    if is_blank(cell):
        return None
    numeric = integer = flag = is_date = 0
    number, status = parse_value(cell, decimal)
    if status == OK:
        numeric, integer, flag = 1, int(number == int(number)), int(number in (0.0, 1.0))
    elif parse_value(cell, decimal, allow_bool=True)[1] == OK:  # yes/no, true/false
        flag = 1
    short_number = status == OK and (not isinstance(cell, str) or len(cell.strip()) < 6)
    if not isinstance(cell, bool) and not short_number and date_token(cell) not in (None, TOTAL_ROW):
        is_date = 1
    return numeric, integer, flag, is_date


def _profiles(
    columns: Sequence[str], rows: Sequence[Sequence[object] | Mapping[str, object]], decimal: str
) -> list[_Profile]:
    def cell(row: Sequence[object] | Mapping[str, object], position: int, name: str) -> object:
        if isinstance(row, Mapping):
            return row.get(name)
        return row[position] if position < len(row) else None

    return [
        _profile(name, position, [cell(r, position, name) for r in rows], decimal)
        for position, name in enumerate(columns)
    ]


def _pick(profiles: list[_Profile], test: Callable[[_Profile], bool]) -> _Profile | None:
    return next((p for p in profiles if test(p)), None)


def _layout_of(arm: _Profile | None, day: _Profile | None, outcomes: list[_Profile]) -> Layout:
    """'events' when outcome columns are 0/1 flags or day x arm repeats a lot, else 'aggregated'.

    An exposures-style count column (visitors, sent...) says aggregated even when
    day x arm repeats: per-channel breakdowns repeat too, and small pilots can
    have 0/1 conversions on a day.
    """
    numeric = [p for p in outcomes if p.is_numeric or p.is_flag]
    flags = [p for p in numeric if p.is_flag]
    counts = any(p.named(EXPOSURE_WORDS) and not p.is_flag for p in numeric)
    if numeric and len(flags) == len(numeric):
        return "events"
    if flags and not counts:
        return "events"
    if arm is not None and len(arm.cells) >= 4 and not counts:
        days = day.cells if day is not None else [None] * len(arm.cells)
        keys = [(str(a).strip(), str(d).strip()) for a, d in zip(arm.cells, days, strict=True) if not is_blank(a)]
        if len(keys) >= 1.5 * max(len(set(keys)), 1):
            return "events"
    return "aggregated"


def detect_layout(
    columns: Sequence[str], sample_rows: Sequence[Sequence[object] | Mapping[str, object]], decimal: str = "."
) -> Layout:
    """The layout suggest_mapping would pick for these columns and rows."""
    return suggest_mapping(columns, sample_rows, decimal=decimal).layout


def _match_names(metrics: list[MetricMapping], names: Sequence[str], sources: list[list[str]]) -> None:
    """Rename suggested metrics to the pilot's metric names they resemble (in place), each name once.

    The closest pairs are matched first and a column named exactly like a metric wins it:
    'retention_7' takes the metric retention_7 although 'retention_1' comes first and shares a word.
    """
    pairs = []
    for i, (metric, source) in enumerate(zip(metrics, sources, strict=True)):
        stems = {_stem(t) for col in source for t in tokens(col)}
        for j, name in enumerate(names):
            score = len({_stem(t) for t in tokens(name)} & stems)
            if score:
                pairs.append((-(metric.name == name), -score, i, j))
    renamed: set[int] = set()
    taken: set[str] = set()
    for _, _, i, j in sorted(pairs):
        if i not in renamed and names[j] not in taken:
            metrics[i].name = names[j]
            renamed.add(i)
            taken.add(names[j])
    for i, metric in enumerate(metrics):  # a column left over keeps its own name, never a taken one
        if i not in renamed and metric.name in taken:
            metric.name = f"{metric.name}_{i + 1}"


def _mean_columns(sq: _Profile, profiles: list[_Profile], used: set[int]) -> MetricMapping | None:
    """n + sum + sum-of-squares columns around a sum-of-squares column ('revenue_sq'), if all present."""
    base = {t for t in sq.tokens if t not in SQ_WORDS and t != "sum"}
    free = [q for q in profiles if q.position not in used and q is not sq and not q.named(SQ_WORDS)]
    total = _pick(free, lambda q: base <= set(q.tokens) and not q.named(N_WORDS))
    n_col = _pick(free, lambda q: q.named(N_WORDS) and q is not total)
    if total is None or n_col is None:
        return None
    used |= {sq.position, total.position, n_col.position}
    return MetricMapping(slug(total.name), "mean", n_column=n_col.name, sum_column=total.name, sum_sq_column=sq.name)


def suggest_mapping(
    columns: Sequence[str],
    sample_rows: Sequence[Sequence[object] | Mapping[str, object]],
    metric_names: Sequence[str] | None = None,
    *,
    decimal: str = ".",
    arms: Sequence[str] = (),
) -> ImportMapping:
    """A first guess at the mapping from column names and a few rows; the user confirms or edits it.

    ``sample_rows`` are lists aligned with ``columns`` (or dicts by column name).
    ``metric_names`` are the pilot's metric names; suggested metrics that resemble
    one take its name, the others are named after their column. ``arms`` are the
    pilot's arms, control first: a value naming its control arm ("gate_30") is the control value.
    """
    profiles = _profiles(columns, sample_rows, decimal)
    arm = _pick(profiles, lambda p: p.named(ARM_WORDS) and not p.is_date and not p.is_numeric) or _pick(
        profiles,
        lambda p: (
            not p.is_numeric
            and not p.is_date
            and 2 <= len(set(map(str, p.values))) <= 10
            and control_value_of(p.values) is not None
            and not p.named(ID_WORDS)
        ),
    )
    rest = [p for p in profiles if p is not arm]
    day = _pick(rest, lambda p: p.named(DATE_WORDS) and p.is_date) or _pick(rest, lambda p: p.is_date)
    rest = [
        p
        for p in rest
        if p is not day and not p.named(ID_WORDS) and (p.is_numeric or p.is_flag) and not p.looks_like_id
    ]
    layout = _layout_of(arm, day, rest)
    metrics: list[MetricMapping] = []
    sources: list[list[str]] = []
    if layout == "events":
        for p in rest:
            kind: MetricKind = "proportion" if p.is_flag else "mean"
            metrics.append(MetricMapping(slug(p.name), kind, column=p.name))
            sources.append([p.name])
    else:
        used: set[int] = set()
        for p in [p for p in rest if p.named(SQ_WORDS)]:
            mean = _mean_columns(p, rest, used)
            if mean is not None:
                metrics.append(mean)
                sources.append([c for c in (mean.n_column, mean.sum_column, mean.sum_sq_column) if c])
        exposures = [p for p in rest if p.named(EXPOSURE_WORDS) and p.position not in used and p.is_numeric]
        conversions = [
            p
            for p in rest
            if p.named(CONVERSION_WORDS)
            and p.position not in used
            and p.is_numeric
            and p not in exposures
            and not (p.named(AMOUNT_WORDS) and p.integers < p.filled)
        ]
        if exposures:
            for p in conversions:
                base = exposures[0]
                metrics.append(
                    MetricMapping(slug(p.name), "proportion", conversions_column=p.name, exposures_column=base.name)
                )
                sources.append([p.name, base.name])
                used |= {p.position, base.position}
        for p in rest:
            if p.position in used or not p.is_numeric:
                continue
            metrics.append(MetricMapping(slug(p.name), "count", column=p.name))
            sources.append([p.name])
            used.add(p.position)
    if metric_names:
        _match_names(metrics, list(metric_names), sources)
    control = control_value_of(arm.values, arm_roles(arms)[0]) if arm is not None else None
    return ImportMapping(
        layout=layout,
        arm_column=arm.name if arm is not None else None,
        control_value=control,
        date_column=day.name if day is not None else None,
        metrics=metrics,
    )


def person_column(
    columns: Sequence[str], sample_rows: Sequence[Sequence[object]], taken: Collection[str] = ()
) -> str | None:
    """The column naming the person on each row of an event file ('user_id', 'Customer No', 'email'), if any.

    Its name may hold only person and id words ('user_agent' is not one), and its
    sample values must be mostly distinct: 'customer' = new/returning is a segment.
    """
    for position, name in enumerate(columns):
        words = tokens(name)
        if name in taken or not any(w in PERSON_WORDS for w in words):
            continue
        if not all(w in PERSON_WORDS or w in PERSON_ID_WORDS for w in words):
            continue
        values = [str(r[position]) for r in sample_rows if position < len(r) and not is_blank(r[position])]
        if len(values) < 10 or len(set(values)) >= len(values) / 2:
            return name
    return None
