"""Roll-ups maintained with every saved value, so that totals are always fresh."""

from __future__ import annotations

from django.db import models

from phongtrao.catalog.models import Indicator
from phongtrao.data.models import VALUE_FIELD, Period
from phongtrao.orgs.models import Unit


class Rollup(models.Model):
    """The total of a unit's descendants' values for an indicator over a period.

    The unit's own values are not in it: a total is `Rollup + own values`, read together.
    Kept only for units with descendants and for the periods that contain the raw ones
    (the raw period itself, its quarter, half-year and year).
    """

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, db_index=False)
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, db_index=False)
    period = models.ForeignKey(Period, on_delete=models.CASCADE, db_index=False)
    value = models.DecimalField(**VALUE_FIELD)
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
