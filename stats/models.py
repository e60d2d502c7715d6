"""The summary tables officials' statistics are read from. No request ever groups over the cases table.

- :class:`CaseSnapshot`: one row per case with what its history gives (dates, amounts, flags), kept current in
  the same transaction as every case change (:func:`stats.services.stats_case_changed`). It is what a change is
  compared against: the difference between the old and the new snapshot is added to the sums.
- :class:`DeadlineSnapshot`: the case's legal deadlines as the figures count them.
- :class:`Fact`, :class:`CloseDaysFact`, :class:`DeadlineFact`: the sums, per day / month / year
  (``grain``), per cut (``level``, :data:`stats.definitions.LEVEL_DIMENSIONS`), per region, station, industry,
  channel and category. A dimension a level does not split by holds ``""`` (or 0 for ids); so does category in
  the "any category" rows. Their size depends on the directory and the calendar, not on the number of cases.
- :class:`RefreshState`: when the beat task and the last full rebuild ran.

Region and station ids are plain integers (0: none), not foreign keys: the rows are sums, they are rebuilt in
bulk, and a deleted organization must not cascade into the history of the figures.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .definitions import MEASURE_CODES


class CaseSnapshot(models.Model):
    case_id = models.BigIntegerField(primary_key=True)
    region_id = models.BigIntegerField(default=0)
    station_id = models.BigIntegerField(default=0)
    industry = models.CharField(max_length=32, default="")
    channel = models.CharField(max_length=32, default="")
    categories = models.IntegerField(default=0)  # bits of stats.definitions.CATEGORY_BITS

    received_on = models.DateField(null=True)  # null: a placeholder row, counted nowhere
    accepted_on = models.DateField(null=True)
    mediation_ended_on = models.DateField(null=True)
    agreed_on = models.DateField(null=True)
    paid_on = models.DateField(null=True)
    concluded_on = models.DateField(null=True)
    referred_on = models.DateField(null=True)
    arb_accepted_on = models.DateField(null=True)
    arb_closed_on = models.DateField(null=True)

    claimed_fen = models.BigIntegerField(default=0)
    agreed_fen = models.BigIntegerField(default=0)
    paid_fen = models.BigIntegerField(default=0)

    was_accepted = models.SmallIntegerField(default=0)
    was_mediated = models.SmallIntegerField(default=0)
    was_agreed = models.SmallIntegerField(default=0)
    was_paid = models.SmallIntegerField(default=0)
    was_referred = models.SmallIntegerField(default=0)
    was_arb_accepted = models.SmallIntegerField(default=0)
    was_awarded = models.SmallIntegerField(default=0)
    was_arb_closed = models.SmallIntegerField(default=0)
    mediation_success = models.SmallIntegerField(default=0)
    is_closed = models.SmallIntegerField(default=0)
    is_withdrawn = models.SmallIntegerField(default=0)
    is_rejected = models.SmallIntegerField(default=0)
    close_days = models.IntegerField(default=0)  # filing to closing, for cases closed (结案) only

    class Meta:
        verbose_name = _("案件统计快照")
        verbose_name_plural = _("案件统计快照")

    def __str__(self) -> str:
        return f"snapshot {self.case_id}"


class DeadlineSnapshot(models.Model):
    case_id = models.BigIntegerField()
    rule_id = models.BigIntegerField()
    due_on = models.DateField()
    outcome = models.CharField(max_length=8)  # stats.definitions.DEADLINE_OUTCOMES

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case_id", "rule_id"], name="stats_deadlinesnap_case_rule")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.rule_id} {self.due_on} {self.outcome}"


KEY_FIELDS = ("grain", "level", "day", "region_id", "station_id", "industry", "channel", "category")


def dimension_indexes(prefix: str) -> list[models.Index]:
    """For each cut, an index that starts with the dimension a filter fixes, then the day. The cell index
    (grain, level, day, …) reads a period across every cell of a cut; with a filter on industry, channel or
    category these read only that value's cells (measured at 200,000 cases: the slowest page query from 12 ms
    to under 1 ms). Partial, so each row is in the indexes of its own cut only."""
    cuts = [
        (1, "l1", ["industry"]),
        (2, "l2", ["channel"]),
        (3, "l3", ["category"]),
        (4, "l4i", ["industry"]),
        (4, "l4c", ["channel"]),
        (4, "l4k", ["category"]),
        (4, "l4", ["industry", "channel", "category"]),
    ]
    return [
        models.Index(
            fields=["grain", *dims, "day"], condition=models.Q(level=level), name=f"{prefix}_{suffix}"
        )
        for level, suffix, dims in cuts
    ]


class _Cell(models.Model):
    grain = models.CharField(max_length=1)
    level = models.SmallIntegerField()
    day = models.DateField()  # the day, or the first day of the month or year
    region_id = models.BigIntegerField()
    station_id = models.BigIntegerField()
    industry = models.CharField(max_length=32)
    channel = models.CharField(max_length=32)
    category = models.CharField(max_length=32)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.grain}{self.level} {self.day} r{self.region_id} s{self.station_id} {self.industry}/{self.channel}/{self.category}"


class Fact(_Cell):
    class Meta:
        # The cell index makes the cell unique for the upserts; its (grain, level, day) prefix reads a period's
        # runs of days, months or years in one cut. dimension_indexes: the same with a filter.
        constraints = [models.UniqueConstraint(fields=KEY_FIELDS, name="stats_fact_cell")]
        indexes = dimension_indexes("stats_fact")


for _code in MEASURE_CODES:
    Fact.add_to_class(_code, models.BigIntegerField(default=0))


class CloseDaysFact(_Cell):
    """How many cases closed (结案) in the cell took ``days`` days (capped at CLOSE_DAYS_CAP): the median's
    histogram, exact for whole days."""

    days = models.SmallIntegerField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=[*KEY_FIELDS, "days"], name="stats_closedays_cell")]
        indexes = dimension_indexes("stats_closedays")


class DeadlineFact(_Cell):
    """Deadlines of one rule that fall due on ``day`` (by due date), by outcome."""

    rule_id = models.BigIntegerField()
    on_time = models.IntegerField(default=0)
    late = models.IntegerField(default=0)
    open = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=[*KEY_FIELDS, "rule_id"], name="stats_deadline_cell")]


class RefreshState(models.Model):
    """One row (pk=1): the beat task's high-water mark and the last full rebuild."""

    recent_until = models.DateTimeField(null=True)
    full_rebuilt_at = models.DateTimeField(null=True)
    full_rebuild_seconds = models.FloatField(null=True)
    full_rebuild_cases = models.BigIntegerField(null=True)

    def __str__(self) -> str:
        return f"recent until {self.recent_until}, rebuilt {self.full_rebuilt_at}"
