"""Awards: proposals from the published results, decisions."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from phongtrao.accounts.access import unit_may_administer
from phongtrao.actors import Actor, is_system, person
from phongtrao.audit.models import AuditAction
from phongtrao.emulation.models import (
    Award,
    AwardRule,
    AwardType,
    Classification,
    Decision,
    Proposal,
    ProposalStatus,
)
from phongtrao.emulation.services.common import (
    audit,
    require,
)
from phongtrao.orgs.models import Unit

# -- awards -----------------------------------------------------------------------------------


def _proposer(unit: Unit, actor: Actor) -> None:
    require(
        is_system(actor) or unit_may_administer(actor, unit),
        "Chỉ quản trị của đơn vị mới được lập đề nghị, quyết định khen thưởng.",
    )


@transaction.atomic
def proposals_generate(*, proposer: Unit, year: int, actor: Actor) -> list[Proposal]:
    """Proposals of `proposer` for `year` by every award type's rule, from published results.

    Each proposal carries the rule and the facts that produced it. Proposals already made
    are kept as they are.
    """
    from phongtrao.emulation.selectors import effective_results

    _proposer(proposer, actor)
    types = list(AwardType.objects.all())
    if not types:
        raise ValidationError("Chưa khai báo hình thức khen thưởng nào.")
    span = max([t.rule_years for t in types] + [1])
    results = effective_results(grader=proposer, years=range(year - span + 1, year + 1))
    this_year = [r for r in results if r.year == year]
    if not this_year:
        raise ValidationError(f"Chưa có kết quả thi đua năm {year} đã công bố.")
    by_unit: dict[int, dict[int, Classification]] = defaultdict(dict)
    for r in results:
        by_unit[r.unit.pk][r.year] = r.classification
    created = []
    for award_type in types:
        for r in this_year:
            if award_type.unit_level is not None and r.unit.level != award_type.unit_level:
                continue
            reason = _eligible(
                award_type,
                r.classification,
                r.is_cluster_leader,
                r.cluster_name,
                by_unit[r.unit.pk],
                year,
            )
            if reason is None:
                continue
            proposal, made = Proposal.objects.get_or_create(
                unit=r.unit,
                award_type=award_type,
                year=year,
                defaults={"proposer": proposer, "reason": reason},
            )
            if made:
                created.append(proposal)
    if created:
        audit(
            actor,
            AuditAction.AWARD_PROPOSE,
            f"Khen thưởng {year}: {proposer.name}",
            ", ".join(p.unit.name for p in created),
        )
    return created


def _eligible(
    award_type: AwardType,
    classification: Classification,
    leader: bool,
    cluster_name: str,
    history: Mapping[int, Classification],
    year: int,
) -> str | None:
    """The reason a unit is eligible for the award, or None."""
    excellent = Classification.EXCELLENT
    if award_type.rule == AwardRule.EXCELLENT:
        return f"Hoàn thành xuất sắc nhiệm vụ năm {year}" if classification == excellent else None
    if award_type.rule == AwardRule.CLUSTER_LEADER:
        return f"Dẫn đầu {cluster_name} năm {year}" if leader else None
    years = list(range(year - award_type.rule_years + 1, year + 1))
    if all(history.get(y) == excellent for y in years):
        listed = ", ".join(str(y) for y in years)
        return f"Hoàn thành xuất sắc nhiệm vụ {len(years)} năm liên tục ({listed})"
    return None


@transaction.atomic
def decision_issue(
    *,
    issuer: Unit,
    proposals: Sequence[Proposal],
    number: str,
    date: dt.date,
    signer: str,
    signer_title: str,
    actor: Actor,
) -> Decision:
    """A decision awarding the proposals (one award type and year): the awards on the units."""
    _proposer(issuer, actor)
    if not proposals:
        raise ValidationError("Chọn ít nhất một đề nghị.")
    kinds = {(p.award_type_id, p.year) for p in proposals}
    if len(kinds) != 1:
        raise ValidationError("Một quyết định chỉ khen một hình thức cho thành tích một năm.")
    if any(p.status != ProposalStatus.PROPOSED for p in proposals):
        raise ValidationError("Có đề nghị đã có quyết định.")
    if not (number.strip() and signer.strip() and signer_title.strip()):
        raise ValidationError("Cần ghi số quyết định, người ký và chức vụ người ký.")
    if Decision.objects.filter(issuer=issuer, number=number.strip()).exists():
        raise ValidationError(f"Đã có quyết định số {number.strip()}.")
    first = proposals[0]
    decision = Decision.objects.create(
        issuer=issuer,
        award_type=first.award_type,
        year=first.year,
        number=number.strip(),
        date=date,
        signer=signer.strip(),
        signer_title=signer_title.strip(),
        created_by=person(actor),
    )
    for proposal in proposals:
        Award.objects.create(
            unit=proposal.unit,
            award_type=proposal.award_type,
            year=proposal.year,
            decision=decision,
        )
        proposal.status = ProposalStatus.AWARDED
        proposal.decision = decision
        proposal.save(update_fields=["status", "decision"])
    audit(
        actor,
        AuditAction.AWARD_DECIDE,
        f"{decision} ({issuer.name})",
        ", ".join(p.unit.name for p in proposals),
    )
    return decision
