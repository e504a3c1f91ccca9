"""The global assignment of a programme: the engine's optimal plan over its open needs, beside
the greedy one, under the staff's locks and bans; accepted in one step as proposals."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from matching.assignment import AssignmentError, AssignmentResult, assign
from placement import audit
from placement.extensions import db
from placement.matches.records import expert_record, need_record
from placement.matches.services import (
    booked_windows,
    consenting_user_ids,
    outcome_aware_matcher,
    programme_rules,
)
from placement.models import (
    ConsentPurpose,
    ExpertProfile,
    Need,
    NeedStatus,
    PairRule,
    PairRuleKind,
    Placement,
    Programme,
    User,
)
from placement.placements.workflow import ACTIVE, WorkflowError, propose
from placement.taxonomy import get_taxonomy

LINKS_PER_NEED = 50


@dataclass(frozen=True)
class PlannedPair:
    need: Need
    expert: ExpertProfile
    score: float
    locked: bool
    lock_reason: str | None = None


@dataclass(frozen=True)
class Plan:
    pairs: list[PlannedPair]
    result: AssignmentResult | None
    error: str | None
    open_slots: int


def _open_slots(needs: list[Need]) -> dict[str, int]:
    """Slots not yet taken by an active placement."""
    taken = dict(
        db.session.execute(
            select(Placement.need_id, func.count())
            .where(Placement.need_id.in_([n.id for n in needs]), Placement.status.in_(ACTIVE))
            .group_by(Placement.need_id)
        ).all()
    )
    return {str(n.uuid): max(0, n.slots - taken.get(n.id, 0)) for n in needs}


def _experts_for(programme: Programme) -> list[ExpertProfile]:
    profiles = list(
        db.session.scalars(
            select(ExpertProfile).where(
                ExpertProfile.origin_country.in_(programme.eligible_origin_countries),
                ExpertProfile.anonymised_at.is_(None),
            )
        )
    )
    allowed = consenting_user_ids([p.user_id for p in profiles], ConsentPurpose.PROCESSING)
    # Experts already in an active placement are left to the staff, not re-planned.
    engaged = set(
        db.session.scalars(select(Placement.expert_id).where(Placement.status.in_(ACTIVE)))
    )
    return [p for p in profiles if p.user_id in allowed and p.id not in engaged]


def rules_of(programme: Programme) -> list[PairRule]:
    return list(
        db.session.scalars(
            select(PairRule).where(PairRule.programme_id == programme.id).order_by(PairRule.id)
        )
    )


def plan(programme: Programme) -> Plan:
    needs = list(
        db.session.scalars(
            select(Need)
            .where(Need.programme_id == programme.id, Need.status == NeedStatus.OPEN)
            .order_by(Need.id)
        )
    )
    slots = _open_slots(needs)
    experts = _experts_for(programme)
    if not needs or not experts:
        return Plan([], None, None, sum(slots.values()))
    matcher = outcome_aware_matcher().fit(
        [expert_record(e) for e in experts],
        [need_record(n) for n in needs],
        taxonomy=get_taxonomy(),
        rules=programme_rules(programme, booked_windows([e.id for e in experts])),
    )
    rules = rules_of(programme)
    need_by_id = {str(n.uuid): n for n in needs}
    expert_by_id = {str(e.uuid): e for e in experts}
    locks = [
        (str(r.need.uuid), str(r.expert.uuid))
        for r in rules
        if r.kind is PairRuleKind.LOCK
        and str(r.need.uuid) in need_by_id
        and str(r.expert.uuid) in expert_by_id
    ]
    bans = [(str(r.need.uuid), str(r.expert.uuid)) for r in rules if r.kind is PairRuleKind.BAN]
    try:
        result = assign(
            matcher.candidate_links(per_need=LINKS_PER_NEED), slots, locks=locks, bans=bans
        )
    except AssignmentError as error:
        return Plan([], None, str(error), sum(slots.values()))
    lock_reasons = {
        (str(r.need.uuid), str(r.expert.uuid)): r.reason
        for r in rules
        if r.kind is PairRuleKind.LOCK
    }
    locked = set(locks)
    pairs = [
        PlannedPair(need_by_id[n], expert_by_id[e], s, (n, e) in locked, lock_reasons.get((n, e)))
        for n, e, s in result.pairs
    ]
    return Plan(pairs, result, None, sum(slots.values()))


def set_rule(
    programme: Programme,
    need: Need,
    expert: ExpertProfile,
    kind: PairRuleKind | None,
    *,
    actor: User,
    reason: str | None = None,
) -> None:
    """Lock or ban a pair for the programme's assignment (a reason is required and kept), or
    clear the rule (kind None: "Unlock", "Lift the ban"; the reason is optional)."""
    if need.programme_id != programme.id:
        raise WorkflowError(str(_l("This need does not belong to the programme.")))
    reason = reason.strip() if reason and reason.strip() else None
    if kind is not None and reason is None:
        raise WorkflowError(
            str(
                _l("Give a reason for the lock: it is kept with the rule.")
                if kind is PairRuleKind.LOCK
                else _l("Give a reason for the ban: it is kept with the rule.")
            )
        )
    rule = db.session.scalar(
        select(PairRule).where(
            PairRule.programme_id == programme.id,
            PairRule.need_id == need.id,
            PairRule.expert_id == expert.id,
        )
    )
    before = rule.kind.value if rule else None
    if kind is None:
        if rule is None:
            raise WorkflowError(str(_l("There is no rule on this pair to remove.")))
        db.session.delete(rule)
    elif rule is None:
        db.session.add(
            PairRule(
                programme_id=programme.id,
                need_id=need.id,
                expert_id=expert.id,
                kind=kind,
                reason=reason,
                created_by_id=actor.id,
            )
        )
    else:
        rule.kind, rule.reason, rule.created_by_id = kind, reason, actor.id
    audit.record(
        "assignment.rule",
        programme,
        actor=actor,
        before={"rule": before},
        after={
            "rule": kind.value if kind else None,
            "need": str(need.uuid),
            "expert": str(expert.uuid),
        },
        reason=reason,
    )


def propose_plan(programme: Programme, *, actor: User) -> int:
    """Turn the current optimal plan into proposals, skipping pairs already proposed."""
    current = plan(programme)
    made = 0
    for pair in current.pairs:
        try:
            propose(
                pair.need,
                pair.expert,
                actor=actor,
                score=pair.score,
                top_candidates=[pair.expert.id],
                reason=str(_l("Chosen by the programme's global assignment.")),
            )
        except WorkflowError:
            continue
        made += 1
    return made
