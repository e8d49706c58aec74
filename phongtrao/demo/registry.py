"""The Bình Phước member registry: synthetic members behind the seed's membership figures.

Each commune union gets the members its 2023 figures say (`demo_plan`): HV_TONG active on
31/12/2023, of whom HV_DIABAN by residence, HV_KETNAP admitted in 2023, HV_GIAM who left
in 2023, and for 2022 the admitted and the leavers of that year; so the province counts
180.833 members, 4.677 admitted and 583 left, and the figures recounted from the registry
are the ones the report prints. Names, birth dates, ethnic groups (Xtiêng, Khmer, Mnông,
Tày, Nùng... as in Bình Phước), religions and occupations are drawn from a seeded
generator: the same members on every machine, written set-wise in a few seconds.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction

from phongtrao.catalog.selectors import indicators_by_code
from phongtrao.demo.binh_phuoc import demo_communes, demo_plan, demo_province
from phongtrao.members.access import SystemActor
from phongtrao.members.bulk import members_bulk_write
from phongtrao.members.choices import EndKind
from phongtrao.members.figures import figures_write
from phongtrao.members.models import Member, RegistryUnit
from phongtrao.members.services import MemberData
from phongtrao.orgs.models import Unit

ACTOR = SystemActor("dữ liệu mẫu")
PURPOSE = "Quản lý hội viên, thống kê số lượng hội viên theo Điều lệ Hội"
SINCE = dt.date(2022, 1, 1)
FAMILY = (
    ["Nguyễn"] * 30 + ["Trần"] * 10 + ["Lê"] * 9 + ["Phạm"] * 6 + ["Hoàng", "Huỳnh"] * 4
    + ["Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trương"] * 2
)  # fmt: skip
MIDDLE = ["Thị"] * 16 + ["Ngọc", "Thanh", "Thu", "Kim", "Minh", "Hồng", "Bích", "Mỹ"]
GIVEN = (
    "Hoa Lan Hương Mai Hạnh Hằng Nga Phương Trang Thảo Yến Loan Dung Tuyết Nhung Liên Hiền "
    "Thủy Vân Oanh Ánh Linh Ngân Diễm Hồng Cúc Đào Huệ Lệ Xuân Thúy Bích Quyên Nhàn Tâm Hà My "
    "Vy Trinh Sương Nhi Giang Thơ Huyền Thắm Hậu Ly Duyên Tươi Nguyệt Lành Sen Hòa Bình"
).split()
# Bình Phước's peoples besides the Kinh, by the official codes, with family names used.
MINORITIES: Sequence[tuple[str, Sequence[str], int]] = (
    ("22", ("Điểu", "Thị", "Lâm"), 8),  # Xtiêng
    ("05", ("Thạch", "Lâm", "Danh"), 2),  # Khmer
    ("20", ("Thị", "Điểu"), 2),  # Mnông
    ("02", ("Hoàng", "Nông", "Lương"), 2),  # Tày
    ("07", ("Hoàng", "Nông", "Lục"), 2),  # Nùng
    ("04", ("Lâm", "Trương", "Quách"), 1),  # Hoa
)
RELIGIONS = ["none"] * 70 + ["buddhism"] * 12 + ["catholic"] * 10 + ["protestant"] * 4
RELIGIONS += ["caodai", "hoahao", "other", "other"]
OCCUPATIONS = ["farmer"] * 52 + ["worker"] * 14 + ["business"] * 12 + ["official"] * 6
OCCUPATIONS += ["homemaker"] * 8 + ["retired"] * 5 + ["student"] * 2 + ["other"]
EDUCATION = ["primary"] * 20 + ["lower"] * 35 + ["upper"] * 28 + ["vocational"] * 9
EDUCATION += ["university"] * 7 + ["postgraduate"]
LEAVE_REASONS = ("Chuyển đi nơi khác sinh sống", "Xin ra khỏi Hội", "Đi làm ăn xa")


@dataclass(frozen=True)
class RegistryLoadResult:
    communes: int
    members: int
    created: bool


def _below(bits: Callable[[int], int], n: int) -> int:
    """A number in [0, n) from the generator's bits, drawn as `random.Random` draws for
    `choice`, `randrange` and `randint` (as many bits as `n` needs, drawn again while the
    number falls outside): the same members as those calls gave, the registry's draws about
    a fifth cheaper without their layers (and independent of them: only `getrandbits`'
    output is fixed across Pythons)."""
    k = n.bit_length()
    r = bits(k)
    while r >= n:
        r = bits(k)
    return r


#: A roll of 0-99 → the people and their family names, or None for the Kinh (`MINORITIES`).
ETHNIC_ROLL: Sequence[tuple[str, Sequence[str]] | None] = [
    *((code, names) for code, names, share in MINORITIES for _ in range(share)),
    *[None] * (100 - sum(share for _, _, share in MINORITIES)),
]
BIRTH_FIRST = dt.date(1950, 1, 1)
BIRTH_DAYS = (dt.date(2004, 12, 31) - BIRTH_FIRST).days + 1


def _day(bits: Callable[[int], int], first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=_below(bits, (last - first).days + 1))


class _People:
    """Draws synthetic Vietnamese women; citizen IDs unique by a counter per birth year."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"{seed}:members")  # noqa: S311 - demo data, not secrets
        self.bits = self.rng.getrandbits
        self.counters: dict[int, int] = {}

    def draw(self) -> tuple[str, str, dt.date, str, str, str, str, str]:
        bits, chance = self.bits, self.rng.random
        family = FAMILY[_below(bits, len(FAMILY))]
        ethnicity, names = ETHNIC_ROLL[_below(bits, 100)] or ("01", ())
        if names:
            family = names[_below(bits, len(names))]
        name = f"{family} {MIDDLE[_below(bits, len(MIDDLE))]} {GIVEN[_below(bits, len(GIVEN))]}"
        birth = BIRTH_FIRST + dt.timedelta(days=_below(bits, BIRTH_DAYS))
        citizen_id = ""
        if chance() < 0.55:
            sequence = self.counters[birth.year] = self.counters.get(birth.year, 0) + 1
            century = 1 if birth.year < 2000 else 3
            citizen_id = f"070{century}{birth.year % 100:02d}{sequence:06d}"
        phone = f"09{_below(bits, 10**8):08d}" if chance() < 0.6 else ""
        return (
            name,
            ethnicity,
            birth,
            citizen_id,
            phone,
            RELIGIONS[_below(bits, len(RELIGIONS))],
            OCCUPATIONS[_below(bits, len(OCCUPATIONS))],
            EDUCATION[_below(bits, len(EDUCATION))],
        )


def _commune_rows(
    commune: Unit, counts: Mapping[str, int], people: _People
) -> Iterator[MemberData]:
    """The commune's members: continuing, admitted in 2022 and 2023, left in 2022 and 2023."""
    rng, bits = people.rng, people.bits
    stock, admitted, left = counts["S"], counts["K"], counts["G"]
    residence, residence_before = counts["D"], counts["D22"]
    admitted_before, left_before = counts["K22"], counts["G22"]
    continuing = stock - admitted
    # By residence: x of the continuing, y of the admitted, z of the 2023 leavers, so that
    # the end of 2023 counts D and the end of 2022 counts D22 (when the counts allow it).
    low = max(residence - admitted, residence_before - left, 0)
    x = min(max(low, 0), continuing, residence)
    y, z = min(residence - x, admitted), max(min(residence_before - x, left), 0)
    groups: list[tuple[int, str, int]] = [
        (continuing, "continuing", x),
        (admitted, "admitted", y),
        (left, "left", z),
        (left_before, "left_before", left_before // 2),
    ]
    # The span of leaving days of the kinds that left.
    ends = {
        "left": (dt.date(2023, 1, 2), dt.date(2023, 12, 31)),
        "left_before": (dt.date(2022, 1, 2), dt.date(2022, 12, 31)),
    }
    card = 0
    for size, kind, by_residence in groups:
        flags = [True] * by_residence + [False] * (size - by_residence)
        rng.shuffle(flags)
        ending = ends.get(kind)
        for index in range(size):
            name, ethnicity, birth, citizen_id, phone, religion, occupation, education = (
                people.draw()
            )
            earliest = max(dt.date(birth.year + 18, 3, 8), dt.date(1990, 1, 1))
            if kind == "admitted":
                join = _day(bits, max(dt.date(2023, 1, 1), earliest), dt.date(2023, 12, 31))
            elif kind == "continuing" and index < admitted_before:
                join = _day(bits, max(dt.date(2022, 1, 1), earliest), dt.date(2022, 12, 31))
            else:
                join = _day(bits, min(earliest, dt.date(2021, 6, 30)), dt.date(2021, 12, 31))
            end, end_kind, reason = None, "", ""
            if ending:
                end = _day(bits, *ending)
                deceased = rng.random() < 0.15
                end_kind = EndKind.DECEASED if deceased else EndKind.LEFT
                reason = "" if deceased else LEAVE_REASONS[_below(bits, len(LEAVE_REASONS))]
            card += 1
            yield MemberData(
                full_name=name,
                birth_date=birth,
                join_date=join,
                unit_id=commune.pk,
                unit_path=commune.path,
                ethnicity=ethnicity,
                religion=religion,
                occupation=occupation,
                education=education,
                address=f"Ấp {1 + _below(bits, 12)}, {commune.name}",
                phone=phone,
                citizen_id=citizen_id,
                card_number=f"{commune.code}-{card:05d}",
                by_residence=flags[index],
                end=end,
                end_kind=end_kind,
                end_reason=reason,
            )


def _counts(plan: Mapping[tuple[str, str], Mapping[int, int]], pk: int) -> dict[str, int]:
    def get(code: str, year: str) -> int:
        return plan.get((code, year), {}).get(pk, 0)

    return {
        "S": get("HV_TONG", "2023"),
        "K": get("HV_KETNAP", "2023"),
        "G": get("HV_GIAM", "2023"),
        "D": get("HV_DIABAN", "2023"),
        "D22": get("HV_DIABAN", "2022"),
        "K22": min(get("HV_KETNAP", "2022"), get("HV_TONG", "2023") - get("HV_KETNAP", "2023")),
        "G22": get("HV_GIAM", "2022"),
    }


@transaction.atomic
def demo_registry_load(*, seed: int = 2023) -> RegistryLoadResult:
    """Fill the registry of Bình Phước's commune unions and count their figures from it.

    Idempotent: a province whose communes already keep a registry is left as it is. Needs
    the demo figures (`demo_binh_phuoc_load`) for the plan's units.
    """
    province = demo_province()
    communes = demo_communes(province)
    if RegistryUnit.objects.filter(unit__in=communes).exists():
        members = Member.objects.filter(unit_path__startswith=province.path).count()
        return RegistryLoadResult(communes=len(communes), members=members, created=False)
    plan = demo_plan(communes=communes, indicators=indicators_by_code(), seed=seed)
    people = _People(seed)
    rows = (
        row
        for commune in communes
        for row in _commune_rows(commune, _counts(plan, commune.pk), people)
    )
    written = members_bulk_write(
        actor=ACTOR,
        rows=rows,
        purpose=PURPOSE,
        consent_on=SINCE,
        uid_seed=f"demo-member:{seed}",
        figures=False,  # counted below, once the communes keep their registry
    )
    RegistryUnit.objects.bulk_create(
        [RegistryUnit(unit=commune, since=SINCE) for commune in communes]
    )
    for commune in communes:
        figures_write(unit=commune, days=[dt.date(2022, 1, 1)], today=dt.date(2023, 12, 31))
    return RegistryLoadResult(communes=len(communes), members=written, created=True)


__all__ = ["RegistryLoadResult", "demo_registry_load"]
