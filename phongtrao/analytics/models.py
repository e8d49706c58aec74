"""Roll-ups maintained with every saved value, so that totals are always fresh."""

from __future__ import annotations

from django.db import models

from phongtrao.catalog.models import Indicator
from phongtrao.data.models import Period
from phongtrao.orgs.models import Unit


class Rollup(models.Model):
    """The total of a unit's descendants' values for an indicator over a period.

    The unit's own values are not in it: a total is `Rollup + own values`, read together.
    Kept for units down to the district level, for the period of each raw value and the
    month, quarter, half-year and year containing it.
    """

    # A cache the services maintain from values whose references the database checks: no
    # foreign-key constraints of its own, which would cost three lookups per row written.
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, db_index=False, db_constraint=False)
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, db_index=False, db_constraint=False
    )
    period = models.ForeignKey(
        Period, on_delete=models.CASCADE, db_index=False, db_constraint=False
    )
    value = models.DecimalField(max_digits=24, decimal_places=4)
    # How many descendant (unit, period) values fed it: 0 means "nobody reported".
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "period", "indicator"], name="rollup_unique_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.indicator_id}/{self.period_id} = {self.value}"


class Activity(models.Model):
    """How many raw values a unit's descendants hold for a period.

    Kept for every unit with descendants (communes included), so completeness — which
    children reported — is one indexed read however deep the tree.
    """

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, db_index=False, db_constraint=False)
    period = models.ForeignKey(
        Period, on_delete=models.CASCADE, db_index=False, db_constraint=False
    )
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "period"], name="activity_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.period_id}: {self.count}"
