"""Writes of emulation: criteria, scoring workflow, council, publication, corrections, awards.

Every service takes the actor (`phongtrao.actors`: a person, or the system for the demo
loader and commands), checks it through `phongtrao.accounts.access`, writes the audit log
for every change of state, and refuses bad input with a Vietnamese ValidationError,
changing nothing.

- `criteria`: criteria sets, groups, criteria, clusters;
- `assessment`: the self-assessment, evidence, submission and the check above;
- `council`: confirmation, publication, corrections by decision;
- `awards`: proposals and decisions;
- `common`: the checks, the audit line and points as typed, shared by them.
"""

from phongtrao.emulation.services.assessment import (
    assessment_check,
    assessment_return,
    assessment_start,
    assessment_submit,
    evidence_add,
    scores_self_set,
)
from phongtrao.emulation.services.awards import decision_issue, proposals_generate
from phongtrao.emulation.services.council import (
    assessment_correct,
    criteria_set_confirm,
    criteria_set_publish,
)
from phongtrao.emulation.services.criteria import (
    cluster_set,
    criteria_set_create,
    criteria_set_rule_errors,
    criterion_add,
    criterion_errors,
    group_add,
    group_errors,
)

__all__ = [
    "assessment_check",
    "assessment_correct",
    "assessment_return",
    "assessment_start",
    "assessment_submit",
    "cluster_set",
    "criteria_set_confirm",
    "criteria_set_create",
    "criteria_set_publish",
    "criteria_set_rule_errors",
    "criterion_add",
    "criterion_errors",
    "decision_issue",
    "evidence_add",
    "group_add",
    "group_errors",
    "proposals_generate",
    "scores_self_set",
]
