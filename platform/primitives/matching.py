"""Matching: ranked suggestions, a best overall assignment, and the match lifecycle.

Scoring is vectorised. One SQL query reads the eligible volunteers of a
programme (approved, checked where required, with capacity left, never
offered to this participant before) together with, for each tag the
participant has, whether the volunteer has it too; numpy then scores every
candidate at once. Each factor is a value in 0..1; the score is their
weighted mean, so it stays in 0..1 whatever the weights:

- distance: 1 - |postcode difference| / distance_scale, floored at 0. Finnish
  postcodes are numbered by area, so the numeric difference is a crude but
  honest proxy for distance (no geocoding data needed);
- languages, interests, availability: the share of the participant's
  values the volunteer shares;
- capacity: the share of the volunteer's capacity still free (spreads the
  load).

A match is proposed by a coordinator; the volunteer and the participant's
side accept; it becomes active; it may be paused and is closed with a reason
from the programme's list. The participant's contact details reach the
volunteer only once the participant's side has accepted.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment
from sqlalchemy import (
    Float,
    Integer,
    Select,
    String,
    Text,
    Uuid,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal_column,
    select,
)
from sqlalchemy.orm import Session

from tukiverkko.platform import audit, context
from tukiverkko.platform.db import utcnow
from tukiverkko.platform.errors import Conflict, ValidationFailed
from tukiverkko.platform.primitives import closing_survey, consents, notices, programmes
from tukiverkko.platform.primitives.models import (
    OPEN_MATCH_STATUSES,
    ConsentPurpose,
    ConsentSubject,
    Match,
    MatchStatus,
    Participant,
    ParticipantStatus,
    Programme,
    Volunteer,
    VolunteerStatus,
)
from tukiverkko.platform.primitives.volunteers import MATCHABLE

FACTORS = ("distance", "languages", "interests", "availability", "capacity")
# Above this many cells of the (participants x volunteer places) matrix the
# exact assignment gives way to the greedy one (see `assign`).
EXACT_ASSIGNMENT_MAX_CELLS = 6_000_000


@dataclass(frozen=True)
class MatchWeights:
    """How much each factor counts. A programme module may supply its own."""

    distance: float = 0.30
    languages: float = 0.25
    interests: float = 0.15
    availability: float = 0.20
    capacity: float = 0.10
    # Postcode difference at which the distance factor reaches 0.
    distance_scale: float = 1000.0

    def vector(self) -> np.ndarray:
        return np.array([getattr(self, f) for f in FACTORS], dtype=np.float64)


_MODULE_WEIGHTS: dict[str, MatchWeights] = {}


def register_module_weights(module_key: str, weights: MatchWeights) -> None:
    """Let a programme module weigh the factors its own way (the plugin registry calls it)."""
    if min(weights.vector()) < 0 or weights.vector().sum() <= 0 or weights.distance_scale <= 0:
        raise ValueError("weights must be non-negative with a positive sum")
    _MODULE_WEIGHTS[module_key] = weights


def weights_for(module_key: str) -> MatchWeights:
    return _MODULE_WEIGHTS.get(module_key, MatchWeights())


# ---------------------------------------------------------------------------
# Features and scores

TAG_FEATURES = ("languages", "interests", "availability")


@dataclass
class People:
    """Participants' matching features: postcodes and tag lists."""

    ids: list[uuid.UUID]
    postcodes: list[str]
    tags: dict[str, list[list[str]]]

    def __len__(self) -> int:
        return len(self.ids)

    def vocabulary(self) -> dict[str, list[str]]:
        """Per tag feature, every tag any of these people has, in first-seen order.

        A volunteer's tag no participant has cannot add to any overlap, so
        only these tags are looked up on the volunteers' side.
        """
        return {
            feature: list(dict.fromkeys(t for tags in self.tags[feature] for t in tags))
            for feature in TAG_FEATURES
        }


@dataclass
class Candidates:
    """Volunteers' matching features; tags as membership matrices over a vocabulary."""

    # Ids as the database's text: making 10,000 UUID objects is measurable,
    # and only the few chosen ones are needed as UUIDs (`id_at`).
    ids: list[str]
    names: list[str]
    postcodes: list[str]
    vocabulary: dict[str, list[str]]
    # feature -> volunteers x vocabulary[feature], 1.0 where the volunteer has the tag
    membership: dict[str, np.ndarray]
    capacity: np.ndarray
    open_matches: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def remaining(self) -> np.ndarray:
        return np.maximum(self.capacity - self.open_matches, 0)

    def id_at(self, j: int) -> uuid.UUID:
        return uuid.UUID(self.ids[j])


def people_of(participants: Sequence[Participant]) -> People:
    return People(
        ids=[p.id for p in participants],
        postcodes=[p.postcode for p in participants],
        tags={f: [list(getattr(p, f) or []) for p in participants] for f in TAG_FEATURES},
    )


def _postcode_numbers(postcodes: Sequence[str]) -> np.ndarray:
    """Postcodes as numbers; unknown ones as NaN."""
    return np.array(
        [float(p) if p and p.isdigit() else np.nan for p in postcodes], dtype=np.float64
    )


def _share(tags: list[list[str]], vocabulary: list[str], membership: np.ndarray) -> np.ndarray:
    """participants x volunteers: the share of each participant's tags the volunteer has."""
    index = {tag: i for i, tag in enumerate(vocabulary)}
    wanted = np.zeros((len(tags), len(vocabulary)), dtype=np.float32)
    for row, values in enumerate(tags):
        wanted[row, [index[v] for v in values]] = 1.0
    overlap = wanted @ membership.T
    sizes = np.maximum(wanted.sum(axis=1, keepdims=True), 1.0)
    return (overlap / sizes).astype(np.float64)


def factor_matrices(
    participants: People, volunteers: Candidates, weights: MatchWeights
) -> np.ndarray:
    """Array of shape (factors, participants, volunteers), each value in 0..1."""
    k, n = len(participants), len(volunteers)
    out = np.zeros((len(FACTORS), k, n), dtype=np.float64)
    if k == 0 or n == 0:
        return out
    difference = np.abs(
        _postcode_numbers(participants.postcodes)[:, None]
        - _postcode_numbers(volunteers.postcodes)[None, :]
    )
    out[0] = np.nan_to_num(np.clip(1.0 - difference / weights.distance_scale, 0.0, 1.0), nan=0.0)
    for i, feature in enumerate(TAG_FEATURES, start=1):
        out[i] = _share(
            participants.tags[feature],
            volunteers.vocabulary[feature],
            volunteers.membership[feature],
        )
    free = volunteers.remaining / np.maximum(volunteers.capacity, 1)
    out[4] = np.broadcast_to(free[None, :], (k, n))
    return out


def combine(factors: np.ndarray, weights: MatchWeights) -> np.ndarray:
    """The weighted mean of the factors: participants x volunteers, in 0..1."""
    w = weights.vector()
    return np.tensordot(w / w.sum(), factors, axes=1)


# ---------------------------------------------------------------------------
# Reading candidates: one query


def load_candidates(
    db: Session,
    programme: Programme,
    vocabulary: dict[str, list[str]],
    *,
    participant_id: uuid.UUID | None = None,
    ranked_for: People | None = None,
    weights: MatchWeights | None = None,
    top: int | None = None,
) -> Candidates:
    """The volunteers who may be matched now, with their features, in one query.

    Eligible: of this programme, approved or active (not paused or ended),
    background check recorded where the programme requires it, capacity
    left, and - for one participant - never offered to them before (a
    declined or closed pairing is not suggested again).

    A volunteer has a tag when the JSON text of their list holds '"tag"'
    (tags are validated as [a-z0-9_-], so the quotes delimit them exactly).
    Without ranking, the database makes that test for each tag of
    `vocabulary` and only booleans come back: decoding 10,000 rows of JSON
    lists in Python cost more than the whole time budget.

    With `ranked_for` (one participant), `weights` and `top`, the database
    also computes each volunteer's score (`_sql_score`: the same weighted
    mean as `combine`) and returns only the `top` best, with their lists'
    text; Python makes the same substring test on those few rows, scores
    them exactly again and explains. Moving 10,000 rows into Python was
    most of the time of a suggestion, and the hard eligibility rules are
    already in the WHERE clause.

    The query runs on the session's connection rather than through the ORM,
    whose per-row work was the next largest cost. The ORM tenant filter does
    not apply there, so the tenant is stated explicitly (on PostgreSQL,
    row-level security binds this connection as well).
    """
    # Values only: the statement is shared by every call of the same shape.
    params: dict[str, Any] = {
        "tenant_id": context.current().tenant_id,  # None matches nothing: fails closed
        "programme_id": programme.id,
    }
    if participant_id is not None:
        params["participant_id"] = participant_id
    tags = [tag for feature in TAG_FEATURES for tag in vocabulary[feature]]
    params.update((f"tag_{i}", _needle(tag)) for i, tag in enumerate(tags))
    ranking = None
    if ranked_for is not None and top is not None:
        p_code = ranked_for.postcodes[0]
        ranking = _Ranking(p_code.isdigit(), weights or MatchWeights(), top)
        if ranking.postcode_known:
            params["postcode"] = int(p_code)
    shape = _Shape(
        dialect=db.get_bind().dialect.name,
        check_required=programme.background_check_required,
        one_participant=participant_id is not None,
        sizes=tuple(len(vocabulary[feature]) for feature in TAG_FEATURES),
        ranking=ranking,
    )
    stmt = _candidates_query(shape)
    rows = db.connection().execute(stmt, params).all()
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(stmt.selected_columns)
    membership: dict[str, np.ndarray] = {}
    if ranking is not None:
        for i, feature in enumerate(TAG_FEATURES, start=5):
            membership[feature] = _membership(columns[i], vocabulary[feature])
    else:
        tag_values = np.array(columns[5:], dtype=np.float32).reshape(len(tags), len(rows)).T
        start = 0
        for feature in TAG_FEATURES:
            size = len(vocabulary[feature])
            membership[feature] = tag_values[:, start : start + size]
            start += size
    return Candidates(
        ids=list(columns[0]),
        names=list(columns[1]),
        postcodes=list(columns[2]),
        vocabulary=vocabulary,
        membership=membership,
        capacity=np.array(columns[3], dtype=np.int64),
        open_matches=np.array(columns[4], dtype=np.int64),
    )


@dataclass(frozen=True)
class _Ranking:
    """What a ranked candidates query's SQL depends on (see `_Shape`)."""

    postcode_known: bool
    weights: MatchWeights
    top: int


@dataclass(frozen=True)
class _Shape:
    """Everything the candidates query's SQL text depends on.

    The values (tenant, programme, participant, tags, postcode) are bound
    parameters, so one statement serves every call of a shape. Building and
    fingerprinting the statement anew took about 3 ms a suggestion (a few
    hundred SQLAlchemy elements for a participant with a dozen tags); a
    built statement is immutable and keeps its cache key. The tenant is a
    parameter of each call, never part of the shape.
    """

    dialect: str
    check_required: bool
    one_participant: bool
    sizes: tuple[int, ...]  # tags per feature, in TAG_FEATURES order
    ranking: _Ranking | None


@functools.lru_cache(maxsize=256)
def _candidates_query(shape: _Shape) -> Select[Any]:
    """The candidates query of one shape; parameters as `load_candidates` binds them.

    Columns: id (text), name, postcode, capacity, open matches, then per
    feature the list's JSON text when ranked, else one boolean per tag.

    The eligible rows are a subquery with OFFSET 0, which PostgreSQL's
    planner does not merge into the outer query: each list is cast to text
    once per row there. Merged, every tag test repeated the cast, an I/O
    conversion (json has no binary cast to text): eleven casts a row for a
    participant with eleven tags instead of three. Ranking scores in the
    same pass as the eligibility test and keeps the `top` rows whole, rather
    than ranking ids and reading the best rows back by key, which took a
    second pass over the table with its row-level-security check on every
    row; ids become text only after the LIMIT.
    """
    tenant_id = bindparam("tenant_id", type_=Uuid())
    counts = (
        select(Match.volunteer_id, func.count(Match.id).label("n"))
        .where(Match.tenant_id == tenant_id, _among(Match.status, OPEN_MATCH_STATUSES))
        .group_by(Match.volunteer_id)
        .subquery("open_counts")
    )
    n_open = func.coalesce(counts.c.n, _int(0))
    eligible = [
        Volunteer.tenant_id == tenant_id,
        Volunteer.programme_id == bindparam("programme_id", type_=Uuid()),
        _among(Volunteer.status, MATCHABLE),
        Volunteer.capacity > n_open,
    ]
    if shape.check_required:
        eligible.append(Volunteer.check_recorded_at.is_not(None))
    if shape.one_participant:
        eligible.append(
            ~exists().where(
                Match.tenant_id == tenant_id,
                Match.volunteer_id == Volunteer.id,
                Match.participant_id == bindparam("participant_id", type_=Uuid()),
            )
        )
    rows_of = (
        select(
            Volunteer.id.label("id"),
            Volunteer.name.label("name"),
            Volunteer.postcode.label("postcode"),
            Volunteer.capacity.label("capacity"),
            n_open.label("n_open"),
            *(cast(getattr(Volunteer, f), Text).label(f) for f in TAG_FEATURES),
        )
        .outerjoin(counts, counts.c.volunteer_id == Volunteer.id)
        .where(*eligible)
        .offset(_int(0))  # not merged: see above
        .subquery("eligible")
    )
    e = rows_of.c
    texts = [e[feature] for feature in TAG_FEATURES]
    has_tag = _tag_tests(texts, shape.sizes, shape.dialect)
    if shape.ranking is None:
        return select(cast(e.id, String), e.name, e.postcode, e.capacity, e.n_open, *has_tag)
    score = _sql_score(shape.ranking, shape.sizes, has_tag, e.postcode, e.capacity, e.n_open)
    best = (
        select(e.id, e.name, e.postcode, e.capacity, e.n_open, *texts, score.label("score"))
        .order_by(score.desc(), e.id)
        .limit(_int(shape.ranking.top))
        .subquery("best")
    )
    b = best.c
    # Ordered again (a subquery's order is not promised): numpy's ties keep it.
    return select(
        cast(b.id, String), b.name, b.postcode, b.capacity, b.n_open, *(b[f] for f in TAG_FEATURES)
    ).order_by(b.score.desc(), b.id)


def _needle(tag: str) -> str:
    """What a JSON list's text holds when the list has `tag`."""
    return f'"{tag}"'


def _membership(texts: Sequence[str | None], tags: list[str]) -> np.ndarray:
    """rows x tags, 1.0 where the JSON list's text holds the tag: the test `_tag_tests` makes."""
    needles = [_needle(tag) for tag in tags]
    return np.array(
        [[needle in (text or "") for needle in needles] for text in texts], dtype=np.float32
    ).reshape(len(texts), len(tags))


def _tag_tests(texts: list[Any], sizes: tuple[int, ...], dialect: str) -> list[Any]:
    """Per tag, feature by feature: whether the feature's JSON text holds it.

    The tags are the parameters tag_0, tag_1, ... (`_needle` of each tag of
    the vocabulary, in order); `sizes` says how many each feature has. A
    plain substring search (`strpos`; SQLite's `instr`) rather than LIKE: no
    pattern, no escaping, and on PostgreSQL about a third faster, which
    matters at 10,000 rows times every tag of the participant.
    """
    search = func.strpos if dialect == "postgresql" else func.instr
    tests, i = [], 0
    for text, size in zip(texts, sizes, strict=True):
        for _ in range(size):
            tests.append(search(text, bindparam(f"tag_{i}", type_=String())) > _int(0))
            i += 1
    return tests


def _sql_score(
    ranking: _Ranking,
    sizes: tuple[int, ...],
    has_tag: list[Any],
    postcode: Any,
    capacity: Any,
    n_open: Any,
) -> Any:
    """One participant's score of each volunteer as a SQL expression (as `combine` does it).

    `postcode`, `capacity` and `n_open` are the volunteer's columns in the
    query; the participant's postcode is the parameter `postcode`. Portable
    (SQLite and PostgreSQL): postcodes are five digits or empty
    (`clean_profile`), so a length check guards the cast; an unknown
    postcode on either side gives distance 0, as NaN does in numpy.
    """
    weights = ranking.weights
    w = weights.vector()
    w = w / w.sum()
    if ranking.postcode_known:
        participant_postcode = bindparam("postcode", type_=Integer())
        difference = cast(func.abs(cast(postcode, Integer) - participant_postcode), Float)
        distance: Any = case(
            (func.length(postcode) != _int(5), _float(0.0)),
            (difference >= _float(weights.distance_scale), _float(0.0)),
            else_=_float(1.0) - difference / _float(weights.distance_scale),
        )
    else:
        distance = _float(0.0)
    terms = [distance * _float(w[0])]
    start = 0
    for i, size in enumerate(sizes, start=1):
        if size:
            ones = [
                case((tag, _float(1.0)), else_=_float(0.0)) for tag in has_tag[start : start + size]
            ]
            shared = sum(ones[1:], ones[0])
            terms.append(shared * _float(w[i] / size))
        start += size
    # Floats, not numerics: PostgreSQL's numeric division is the slower one.
    free = cast(capacity - n_open, Float) / cast(capacity, Float)
    terms.append(free * _float(w[4]))
    return sum(terms[1:], terms[0])


# Constants of a cached statement are written into its SQL rather than bound:
# a prepared statement's generic plan then folds them, where a parameter is
# fetched again for every row (dozens per row in the score).


def _int(value: int) -> Any:
    return literal_column(str(int(value)), Integer)


def _among(column: Any, values: Sequence[Any]) -> Any:
    """`column IN (values)` with the values written into the SQL (see above)."""
    return column.in_(bindparam(None, list(values), expanding=True, literal_execute=True))


def _float(value: float) -> Any:
    # Cast: a bare 0.5 is a numeric on PostgreSQL, and sums of numerics are
    # both slower and rounded differently from numpy's floats.
    return cast(literal_column(repr(float(value))), Float)


# ---------------------------------------------------------------------------
# Suggestions for one participant


# How many volunteers the database's ranking hands to Python at least. The
# two scores differ only by rounding (numpy's shares are float32, some 1e-8),
# so the margin over `limit` only has to absorb a near tie at the cut; each
# row more is read, sent and scored again (200 cost about 2 ms more than 50).
PRE_RANKED = 50

ELIGIBILITY_RULES = (
    "same_programme",
    "approved",
    "background_check_recorded_if_required",
    "capacity_left",
    "not_offered_before",
)


@dataclass(frozen=True)
class Suggestion:
    volunteer_id: uuid.UUID
    name: str
    score: float
    factors: list[dict[str, Any]]
    eligibility: tuple[str, ...] = ELIGIBILITY_RULES


def suggest(
    db: Session,
    programme: Programme,
    participant: Participant,
    *,
    limit: int = 10,
    weights: MatchWeights | None = None,
) -> list[Suggestion]:
    """The best `limit` volunteers for a waiting participant, each score explained."""
    if participant.programme_id != programme.id:
        raise Conflict("The participant is in another programme.", code="wrong_programme")
    if participant.status == ParticipantStatus.ENDED:
        raise Conflict("The participant's case has ended.", code="participant_ended")
    weights = weights or weights_for(programme.module_key)
    one = people_of([participant])
    volunteers = load_candidates(
        db,
        programme,
        one.vocabulary(),
        participant_id=participant.id,
        ranked_for=one,
        weights=weights,
        # The database ranks; a margin over `limit` absorbs any rounding
        # difference between SQL and numpy at the cut.
        top=max(limit * 5, PRE_RANKED),
    )
    factors = factor_matrices(one, volunteers, weights)[:, 0, :]
    scores = combine(factors[:, None, :], weights)[0]
    if len(scores) == 0:
        return []
    top = min(limit, len(scores))
    best = np.argpartition(-scores, top - 1)[:top]
    best = best[np.lexsort((best, -scores[best]))]  # by score, then stable
    return [
        _explain(one, volunteers, int(j), factors[:, j], float(scores[j]), weights) for j in best
    ]


def _explain(
    participant: People,
    volunteers: Candidates,
    j: int,
    values: np.ndarray,
    score: float,
    weights: MatchWeights,
) -> Suggestion:
    """The factors of one suggestion, with what they were computed from."""
    w = weights.vector()
    w = w / w.sum()
    p_code, v_code = participant.postcodes[0], volunteers.postcodes[j]
    details: dict[str, dict[str, Any]] = {
        "distance": {
            "participant_postcode": p_code,
            "volunteer_postcode": v_code,
            "difference": abs(int(p_code) - int(v_code))
            if p_code.isdigit() and v_code.isdigit()
            else None,
        },
        "capacity": {
            "capacity": int(volunteers.capacity[j]),
            "remaining": int(volunteers.remaining[j]),
        },
    }
    for feature in TAG_FEATURES:
        has = volunteers.membership[feature][j]
        vocabulary = volunteers.vocabulary[feature]
        details[feature] = {"shared": [t for i, t in enumerate(vocabulary) if has[i]]}
    factors = [
        {
            "factor": name,
            "value": round(float(values[i]), 4),
            "weight": round(float(w[i]), 4),
            "contribution": round(float(values[i] * w[i]), 4),
            **details[name],
        }
        for i, name in enumerate(FACTORS)
    ]
    return Suggestion(volunteers.id_at(j), volunteers.names[j], round(score, 4), factors)


# ---------------------------------------------------------------------------
# A best overall assignment for all waiting participants


@dataclass(frozen=True)
class Assignment:
    participant_id: uuid.UUID
    volunteer_id: uuid.UUID
    score: float


def assign(
    scores: np.ndarray, places: np.ndarray, *, method: str = "auto"
) -> list[tuple[int, int]]:
    """Pairs (participant row, volunteer column) maximising the total score.

    `scores` is participants x volunteers with -inf for pairs that must not
    be matched; `places` is each volunteer's free capacity. A volunteer with
    several places is expanded into that many columns.

    "exact" solves the assignment problem (scipy's linear_sum_assignment, a
    shortest-augmenting-path Hungarian method): it maximises the total score,
    where greedy picking can give a volunteer to a participant who is only
    slightly better suited and leave another with nobody suitable. At
    1,000 x 1,000 it takes well under a second (bench/matching.py). "greedy"
    (best pair first) is the fallback for matrices too large for that.
    """
    k, _ = scores.shape
    places = np.minimum(places, k)  # nobody needs more places than there are participants
    owner = np.repeat(np.arange(scores.shape[1]), places)
    if k == 0 or owner.size == 0:
        return []
    if method == "auto":
        method = "exact" if k * owner.size <= EXACT_ASSIGNMENT_MAX_CELLS else "greedy"
    if method == "exact":
        expanded = scores[:, owner]
        allowed = np.isfinite(expanded)
        # Forbidden pairs cost more than any allowed pair could gain; they are
        # dropped from the answer below.
        cost = np.where(allowed, -expanded, 1e6)
        rows, cols = linear_sum_assignment(cost)
        return [(int(r), int(owner[c])) for r, c in zip(rows, cols, strict=True) if allowed[r, c]]
    return _greedy(scores, places)


def _greedy(scores: np.ndarray, places: np.ndarray) -> list[tuple[int, int]]:
    k, n = scores.shape
    order = np.argsort(-scores, axis=None, kind="stable")
    free = places.astype(np.int64).copy()
    taken = np.zeros(k, dtype=bool)
    pairs: list[tuple[int, int]] = []
    for flat in order:
        r, c = divmod(int(flat), n)
        if not np.isfinite(scores[r, c]):
            break  # sorted: only forbidden pairs remain
        if taken[r] or free[c] == 0:
            continue
        taken[r] = True
        free[c] -= 1
        pairs.append((r, c))
        if len(pairs) == k:
            break
    return pairs


def propose_assignment(
    db: Session,
    programme: Programme,
    *,
    weights: MatchWeights | None = None,
    method: str = "auto",
) -> list[Assignment]:
    """A best overall assignment of all waiting participants to volunteers.

    Nothing is written: the coordinator proposes the pairs they agree with.
    Three queries whatever the size: participants, candidates, earlier pairs.
    """
    weights = weights or weights_for(programme.module_key)
    waiting = db.scalars(
        select(Participant)
        .where(
            Participant.programme_id == programme.id,
            Participant.status == ParticipantStatus.WAITING,
            ~exists().where(
                Match.participant_id == Participant.id, Match.status.in_(OPEN_MATCH_STATUSES)
            ),
        )
        .order_by(Participant.created_at, Participant.id)
    ).all()
    if not waiting:
        return []
    participants = people_of(waiting)
    volunteers = load_candidates(db, programme, participants.vocabulary())
    scores = combine(factor_matrices(participants, volunteers, weights), weights)
    row_of = {pid: i for i, pid in enumerate(participants.ids)}
    col_of = {uuid.UUID(vid): j for j, vid in enumerate(volunteers.ids)}
    for pid, vid in db.execute(
        select(Match.participant_id, Match.volunteer_id).where(Match.programme_id == programme.id)
    ):
        if pid in row_of and vid in col_of:
            scores[row_of[pid], col_of[vid]] = -np.inf  # offered before: not again
    pairs = assign(scores, volunteers.remaining, method=method)
    return [
        Assignment(participants.ids[r], volunteers.id_at(c), round(float(scores[r, c]), 4))
        for r, c in pairs
    ]


# ---------------------------------------------------------------------------
# The match lifecycle


def open_match_of_participant(db: Session, participant_id: uuid.UUID) -> Match | None:
    return db.scalar(
        select(Match).where(
            Match.participant_id == participant_id, Match.status.in_(OPEN_MATCH_STATUSES)
        )
    )


def _open_count(db: Session, volunteer_id: uuid.UUID) -> int:
    return int(
        db.scalar(
            select(func.count(Match.id)).where(
                Match.volunteer_id == volunteer_id, Match.status.in_(OPEN_MATCH_STATUSES)
            )
        )
        or 0
    )


def score_pair(
    programme: Programme, participant: Participant, volunteer: Volunteer, open_matches: int
) -> float:
    """The score of one pair, as suggestions compute it (stored on a proposed match)."""
    weights = weights_for(programme.module_key)
    one = people_of([participant])
    vocabulary = one.vocabulary()
    candidate = Candidates(
        ids=[str(volunteer.id)],
        names=[volunteer.name],
        postcodes=[volunteer.postcode],
        vocabulary=vocabulary,
        membership={
            f: np.array(
                [[t in (getattr(volunteer, f) or []) for t in vocabulary[f]]], dtype=np.float32
            ).reshape(1, len(vocabulary[f]))
            for f in TAG_FEATURES
        },
        capacity=np.array([volunteer.capacity]),
        open_matches=np.array([open_matches]),
    )
    return round(float(combine(factor_matrices(one, candidate, weights), weights)[0, 0]), 4)


def propose(
    db: Session,
    programme: Programme,
    participant: Participant,
    volunteer: Volunteer,
    *,
    actor_id: uuid.UUID,
) -> Match:
    """A coordinator offers a volunteer to a waiting participant."""
    programmes.require_new_work(db, programme, "match")
    if participant.programme_id != programme.id or volunteer.programme_id != programme.id:
        raise Conflict("Both must be in the same programme.", code="wrong_programme")
    if participant.status == ParticipantStatus.ENDED:
        raise Conflict("The participant's case has ended.", code="participant_ended")
    if open_match_of_participant(db, participant.id) is not None:
        raise Conflict("The participant already has a match.", code="participant_already_matched")
    if volunteer.status == VolunteerStatus.PAUSED:
        raise Conflict("The volunteer has paused.", code="volunteer_paused")
    if volunteer.status not in MATCHABLE:
        raise Conflict("The volunteer is not approved.", code="volunteer_not_approved")
    if programme.background_check_required and volunteer.check_recorded_at is None:
        raise Conflict(
            "This programme requires the background check before matching.",
            code="background_check_missing",
        )
    open_matches = _open_count(db, volunteer.id)
    if open_matches >= volunteer.capacity:
        raise Conflict("The volunteer has no capacity left.", code="volunteer_at_capacity")
    match = Match(
        programme_id=programme.id,
        volunteer_id=volunteer.id,
        participant_id=participant.id,
        status=MatchStatus.PROPOSED,
        proposed_by=actor_id,
        score=score_pair(programme, participant, volunteer, open_matches),
    )
    db.add(match)
    db.flush()
    audit.record(db, "match_proposed", actor_id=actor_id, target_type="match", target_id=match.id)
    notices.match_changed(db, match, "match_proposed", actor_id=actor_id)
    return match


def _require(match: Match, *statuses: MatchStatus) -> None:
    if match.status not in statuses:
        raise Conflict(f"The match is {match.status.value}.", code="match_status_conflict")


def accept_as_volunteer(db: Session, match: Match, *, actor_id: uuid.UUID) -> Match:
    """The volunteer accepts the offer (theirs to accept or decline)."""
    _require(match, MatchStatus.PROPOSED)
    if match.volunteer_accepted_at is None:
        match.volunteer_accepted_at = utcnow()
        audit.record(
            db,
            "match_accepted_by_volunteer",
            actor_id=actor_id,
            target_type="match",
            target_id=match.id,
        )
    _activate_if_ready(db, match)
    return match


def accept_for_participant(
    db: Session, match: Match, *, given_by: str, actor_id: uuid.UUID
) -> Match:
    """The participant's side (the guardian, or the person) accepts, as the coordinator records.

    This is also their consent to the contact details going to the volunteer.
    """
    _require(match, MatchStatus.PROPOSED)
    if not given_by.strip():
        raise ValidationFailed(
            "Record who accepted.",
            code="consent_required",
            errors={"json": {"given_by": ["Required."]}},
        )
    if match.participant_accepted_at is None:
        match.participant_accepted_at = utcnow()
        consents.record_consent(
            db,
            subject_type=ConsentSubject.PARTICIPANT,
            subject_id=match.participant_id,
            purpose=ConsentPurpose.SHARE_CONTACT,
            given_by=given_by.strip(),
            recorded_by=actor_id,
        )
        audit.record(
            db,
            "match_accepted_for_participant",
            actor_id=actor_id,
            target_type="match",
            target_id=match.id,
        )
    _activate_if_ready(db, match)
    return match


def decline(db: Session, match: Match, *, side: str, actor_id: uuid.UUID) -> Match:
    """Either side declines the offer; the participant keeps waiting."""
    _require(match, MatchStatus.PROPOSED)
    match.status = MatchStatus.DECLINED
    match.closed_at = utcnow()
    match.close_reason = f"declined_by_{side}"
    audit.record(
        db, "match_declined", actor_id=actor_id, target_type="match", target_id=match.id, side=side
    )
    return match


def _activate_if_ready(db: Session, match: Match) -> None:
    if match.volunteer_accepted_at is None or match.participant_accepted_at is None:
        return
    now = utcnow()
    match.status = MatchStatus.ACTIVE
    match.activated_at = now
    volunteer = db.get(Volunteer, match.volunteer_id)
    participant = db.get(Participant, match.participant_id)
    assert volunteer is not None and participant is not None
    if volunteer.status == VolunteerStatus.APPROVED:
        volunteer.status = VolunteerStatus.ACTIVE
        volunteer.status_changed_at = now
    participant.status = ParticipantStatus.MATCHED
    participant.status_changed_at = now
    notices.match_changed(db, match, "match_accepted", actor_id=None)


def pause_match(db: Session, match: Match, *, actor_id: uuid.UUID) -> Match:
    _require(match, MatchStatus.ACTIVE)
    match.status = MatchStatus.PAUSED
    match.paused_at = utcnow()
    audit.record(db, "match_paused", actor_id=actor_id, target_type="match", target_id=match.id)
    return match


def resume_match(db: Session, match: Match, *, actor_id: uuid.UUID) -> Match:
    _require(match, MatchStatus.PAUSED)
    match.status = MatchStatus.ACTIVE
    match.paused_at = None
    audit.record(db, "match_resumed", actor_id=actor_id, target_type="match", target_id=match.id)
    return match


def close_match(
    db: Session,
    match: Match,
    programme: Programme,
    *,
    reason: str,
    note: str,
    actor_id: uuid.UUID,
) -> Match:
    """Close a match with a reason from the programme's list. It stays readable."""
    _require(match, *OPEN_MATCH_STATUSES)
    if reason not in programme.closing_reasons:
        raise ValidationFailed(
            "Choose a closing reason of this programme.",
            code="unknown_closing_reason",
            errors={"json": {"reason": [f"One of: {', '.join(programme.closing_reasons)}."]}},
        )
    now = utcnow()
    was_active = match.status != MatchStatus.PROPOSED
    match.status = MatchStatus.CLOSED
    match.closed_at = now
    match.close_reason = reason
    match.close_note = note
    if was_active:
        participant = db.get(Participant, match.participant_id)
        assert participant is not None
        if participant.status == ParticipantStatus.MATCHED:
            # The need may go on: the participant waits for a new volunteer
            # until a coordinator ends the case.
            participant.status = ParticipantStatus.WAITING
            participant.status_changed_at = now
        volunteer = db.get(Volunteer, match.volunteer_id)
        assert volunteer is not None
        still_matched = db.scalar(
            select(Match.id).where(
                Match.volunteer_id == volunteer.id,
                Match.id != match.id,
                Match.status.in_((MatchStatus.ACTIVE, MatchStatus.PAUSED)),
            )
        )
        if volunteer.status == VolunteerStatus.ACTIVE and still_matched is None:
            volunteer.status = VolunteerStatus.APPROVED
            volunteer.status_changed_at = now
    audit.record(
        db,
        "match_closed",
        actor_id=actor_id,
        target_type="match",
        target_id=match.id,
        reason=reason,
    )
    notices.match_changed(db, match, "match_closed", actor_id=actor_id)
    closing_survey.offer(db, match, programme)  # the volunteer is asked how it went
    return match


def contact_visible_to_volunteer(match: Match) -> bool:
    """The participant's contact details go to the volunteer only after their side accepted."""
    return match.participant_accepted_at is not None
