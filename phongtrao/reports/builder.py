"""Building a unit's report for a period: figures, narrative, appendix, document header.

`report_build` reads everything once (one `unit_report` call for the whole catalog, one
completeness query) and renders the narrative from the templates in
``templates/reports/narrative/`` (or the directories of the ``REPORTS_TEMPLATE_DIRS``
setting, searched first, where an organisation keeps its own wording). The result, a
`Report`, is what every output format (md, html, pdf, docx, xlsx) lays out.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template import Context, Engine, TemplateDoesNotExist
from django.utils import timezone

from phongtrao import periods
from phongtrao.analytics.selectors import (
    Completeness,
    ReportRow,
    unit_completeness,
    unit_report,
)
from phongtrao.catalog.models import Indicator, Section, ValueType
from phongtrao.catalog.selectors import indicators_by_code
from phongtrao.data.models import Submission, SubmissionStatus, Target
from phongtrao.members.figures import REGISTRY_CODES, registry_coverage, registry_words
from phongtrao.orgs.models import Edition, Level, Unit
from phongtrao.orgs.selectors import structure_note, unit_counterpart
from phongtrao.reports.charts import Chart, report_charts
from phongtrao.reports.figures import (
    ESTIMATE_MARK,
    MISSING,
    Figure,
    FigureSet,
    rows_with_emulation,
)
from phongtrao.reports.models import DocumentSettings, Part, ReportNumber
from phongtrao.reports.selectors import document_settings, report_number, report_texts
from phongtrao.reports.templatetags.narrative import PARAGRAPH_BREAK
from phongtrao.vn import format_money, format_number, format_percent, format_place_date

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

#: Administrative prefixes of unit names, longest first: "Thị xã Bình Long" -> "thị xã".
NAME_PREFIXES = (
    "Thành phố",
    "Thị trấn",
    "Thị xã",
    "Đặc khu",
    "Phường",
    "Huyện",
    "Quận",
    "Tỉnh",
    "Xã",
)
CAPITAL = "Hà Nội"


@dataclass(frozen=True)
class Header:
    """The heading block of an administrative document (Nghị định 30/2020, Phụ lục I)."""

    parent_name: str  # "HỘI LHPN TỈNH BÌNH PHƯỚC"
    issuer: str  # "BAN THƯỜNG VỤ"
    number: str  # "Số:      /BC-BTV"
    nation: str
    motto: str
    place_date: str  # "Bình Phước, ngày 28 tháng 11 năm 2026"
    title: str  # "BÁO CÁO"
    subtitle: str  # "Kết quả công tác Hội và phong trào phụ nữ năm 2023"
    signer_role: str  # "TM. BAN THƯỜNG VỤ"
    signer_title: str  # "CHỦ TỊCH"
    signer_name: str = ""  # "Nguyễn Thị A"
    # Nơi nhận, one line each: "Trung ương Hội LHPN Việt Nam (để báo cáo);", "Lưu: VT."
    recipients: tuple[str, ...] = ("Lưu: VT.",)


@dataclass(frozen=True)
class SectionText:
    """One section of the narrative as printed: its heading and paragraphs (level 1: the
    Roman-numbered parts I–IV, level 2: their numbered sections)."""

    heading: str
    paragraphs: list[str]
    level: int = 2


#: The first of the four parts a standing committee's report has.
RESULTS_HEADING = "I. KẾT QUẢ THỰC HIỆN"


@dataclass(frozen=True)
class AppendixRow:
    """One indicator of the appendix table, as text and as numbers (for the workbook)."""

    section: str
    figure: Figure
    indicator: Indicator
    data: ReportRow
    name: str
    unit_label: str
    value: str
    last_year: str
    change: str
    target: str
    pct: str
    count: int
    # The figure (or last year's) was shared out from a split unit: marked "*" in the text.
    estimated: bool = False


#: ESTIMATE_MARK ("*") marks an estimated figure in every format; ESTIMATE_NOTE explains it.
ESTIMATE_NOTE = "(*) Số liệu ước tính do chia tách đơn vị hành chính, phân bổ theo tỷ lệ diện tích."


@dataclass(frozen=True)
class Report:
    """Everything an output format lays out, already worded and formatted."""

    unit: Unit
    period: periods.Period
    header: Header
    intro: list[str]
    sections: list[SectionText]
    appendix: list[AppendixRow]
    appendix_title: str
    completeness: Completeness
    completeness_text: str
    figures: FigureSet
    # Where the figures come from another structure, and which are estimates (may be empty).
    notes: tuple[str, ...] = ()
    # Sentences left out because a figure they print is missing (a template without a guard).
    omitted: tuple[str, ...] = ()
    # A skeleton made on request without any figure ("chưa có số liệu").
    draft: bool = False
    # Parts II–IV (đánh giá chung, phương hướng, kiến nghị): level-1 and level-2 sections.
    closing: tuple[SectionText, ...] = ()
    results_heading: str = RESULTS_HEADING

    @functools.cached_property
    def charts(self) -> tuple[Chart, ...]:
        """The charts with something to show (`reports.charts`), in print order; read only by
        the formats that draw them (a few queries more: five years, the units below)."""
        return () if self.draft else report_charts(self.unit, self.period, self.figures)

    @property
    def blocks(self) -> list[tuple[str, str]]:
        """The text after the introduction as ("part"|"section"|"subsection"|"p", text),
        in order: what a page lays out between the title and the signature."""
        items: list[tuple[str, str]] = [("part", self.results_heading)]
        for section in self.sections:
            items.append(("section", section.heading))
            items += [("p", p) for p in section.paragraphs]
        for section in self.closing:
            items.append(("part" if section.level == 1 else "subsection", section.heading))
            items += [("p", p) for p in section.paragraphs]
        return items

    @property
    def footnotes(self) -> tuple[str, ...]:
        """What the appendix table needs under it: the meaning of "*" when a figure has it."""
        marked = any(r.estimated or r.data.last_year_estimated for r in self.appendix)
        return (ESTIMATE_NOTE,) if marked else ()


def unit_place(unit: Unit) -> tuple[str, str]:
    """The unit's place name and its kind: ("Bình Phước", "tỉnh"), ("Lộc Thái", "xã")."""
    if unit.level == Level.CENTRAL:
        return CAPITAL, "quốc"
    for prefix in NAME_PREFIXES:
        if unit.name.startswith(prefix + " "):
            return unit.name[len(prefix) + 1 :].strip(), prefix.lower()
    return unit.name, ""


@functools.cache
def narrative_engine() -> Engine:
    """The template engine of the narrative: plain text, no HTML escaping.

    Officers' own templates (``REPORTS_TEMPLATE_DIRS``) are searched before the defaults.
    """
    dirs = [*getattr(settings, "REPORTS_TEMPLATE_DIRS", []), TEMPLATES_DIR]
    return Engine(
        dirs=[str(d) for d in dirs],
        autoescape=False,
        builtins=["phongtrao.reports.templatetags.narrative"],
    )


class ReportEmpty(ValueError):
    """No unit reported any figure for the unit and period: there is nothing to report."""

    def __init__(self, unit: Unit, period: periods.Period) -> None:
        self.message_vi = (
            f"Chưa có số liệu của {unit.union_name} cho {period.label_vi()}: chưa thể lập báo "
            "cáo. Hãy nhập số liệu trước, hoặc lập bản dự thảo khung (chưa có số liệu)."
        )
        super().__init__(self.message_vi)


#: Spaces left before punctuation where a template line ended before a clause.
_SPACE_BEFORE = re.compile(r"\s+([,;.:)])")
#: Where one sentence ends and the next begins (numbers such as "1.633" have no space).
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _capitalised(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def _tidy(text: str) -> tuple[str, list[str]]:
    """One paragraph on one line, no space before punctuation, sentences capitalised and
    ended by a full stop; a sentence that still prints a missing or zero figure (a template
    without a guard) is left out and returned second."""
    text = _SPACE_BEFORE.sub(r"\1", " ".join(text.split())).replace("( ", "(")
    if text.endswith((";", ",", ":")):
        text = text[:-1] + "."
    kept: list[str] = []
    dropped: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        if MISSING in sentence:
            dropped.append(sentence.replace(MISSING, "…"))
        elif any(ch.isalnum() for ch in sentence):
            kept.append(_capitalised(sentence))
    return " ".join(kept), dropped


def _paragraphs(text: str, dropped: list[str] | None = None) -> list[str]:
    paragraphs = []
    for part in text.split(PARAGRAPH_BREAK):
        tidy, left_out = _tidy(part)
        if dropped is not None:
            dropped += left_out
        if tidy:
            paragraphs.append(tidy)
    return paragraphs


def _render(name: str, context: dict[str, Any]) -> str:
    return narrative_engine().get_template(name).render(Context(context))


def report_issue_date(unit: Unit, period: periods.Period) -> dt.date | None:
    """The day the unit's report for the period was approved, else last submitted; None if
    neither (the officer writes the date by hand: never the day the file is made)."""
    submissions = Submission.objects.filter(unit=unit, period__code=period.code)
    approved = (
        submissions.filter(status=SubmissionStatus.APPROVED, decided_at__isnull=False)
        .order_by("-decided_at")
        .values_list("decided_at", flat=True)
        .first()
    )
    if approved is not None:
        return timezone.localdate(approved)
    submitted = (
        submissions.filter(submitted_at__isnull=False)
        .order_by("-submitted_at")
        .values_list("submitted_at", flat=True)
        .first()
    )
    return timezone.localdate(submitted) if submitted is not None else None


#: The date line left for the officer to write by hand.
BLANK_DATE = "ngày ….. tháng ….. năm ……"


def _header(
    unit: Unit,
    period: periods.Period,
    issued: dt.date | None,
    details: DocumentSettings | None = None,
    number: ReportNumber | None = None,
) -> Header:
    header = _default_header(unit, period, issued)
    if details is not None:
        place = details.place or unit_place(unit)[0]
        header = replace(
            header,
            parent_name=details.parent_line or header.parent_name,
            issuer=details.issuer_line or header.issuer,
            number=f"Số:        /{details.number_suffix}"
            if details.number_suffix
            else header.number,
            place_date=(
                format_place_date(place, issued) if issued is not None else f"{place}, {BLANK_DATE}"
            ),
            signer_role=details.signer_role or header.signer_role,
            signer_title=details.signer_title or header.signer_title,
            signer_name=details.signer_name,
            recipients=tuple(
                line.strip().lstrip("-").strip()
                for line in details.recipients.splitlines()
                if line.strip()
            )
            or header.recipients,
        )
    if number is not None:
        header = replace(header, number=f"Số: {number}")
    return header


def number_suffix(unit: Unit, details: DocumentSettings | None) -> str:
    """The ký hiệu of the unit's reports: as set, else by level ("BC-BTV", "BC-BCH")."""
    if details is not None and details.number_suffix:
        return details.number_suffix
    return "BC-BCH" if unit.level >= Level.COMMUNE else "BC-BTV"


def _default_header(unit: Unit, period: periods.Period, issued: dt.date | None) -> Header:
    place, _ = unit_place(unit)
    issuer, role = (
        ("BAN CHẤP HÀNH", "TM. BAN CHẤP HÀNH")
        if unit.level >= Level.COMMUNE
        else ("BAN THƯỜNG VỤ", "TM. BAN THƯỜNG VỤ")
    )
    code = number_suffix(unit, None)
    return Header(
        parent_name=unit.union_name.upper(),
        issuer=issuer,
        number=f"Số:        /{code}",
        nation="CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        motto="Độc lập - Tự do - Hạnh phúc",
        place_date=(
            format_place_date(place, issued) if issued is not None else f"{place}, {BLANK_DATE}"
        ),
        title="BÁO CÁO",
        subtitle=f"Kết quả công tác Hội và phong trào phụ nữ {period.label_vi()}",
        signer_role=role,
        signer_title="CHỦ TỊCH",
        recipients=default_recipients(unit),
    )


def default_recipients(unit: Unit) -> tuple[str, ...]:
    """Nơi nhận when the unit set none: the union above it, then the file copy."""
    above = unit.parent
    if above is None:
        return ("Lưu: VT.",)
    return (f"{above.union_name} (để báo cáo);", "Lưu: VT.")


def format_millions(amount: Decimal) -> str:
    """An amount of đồng in millions, as report tables give money: "4.236,5"."""
    text = format_number(amount / 10**6, decimals=1)
    return text[:-2] if text.endswith(",0") else text


def _appendix_row(section: str, figure: Figure) -> AppendixRow:
    row = figure.row
    assert row is not None and figure.indicator is not None
    full: Callable[[Decimal], str] = format_number
    unit_label = figure.indicator.unit_label
    if figure.is_percent:
        full = format_percent
    elif figure.is_money and unit_label == "đồng":
        full, unit_label = format_millions, "triệu đồng"
    mark = ESTIMATE_MARK if row.estimated else ""
    last_mark = ESTIMATE_MARK if row.last_year_estimated else ""
    return AppendixRow(
        section=section,
        figure=figure,
        indicator=figure.indicator,
        data=row,
        name=figure.indicator.name,
        unit_label=unit_label,
        value=full(row.value) + mark if row.count else "",
        last_year=full(row.last_year) + last_mark if row.last_year is not None else "",
        change=(
            full(row.change) + (mark or last_mark) if row.change is not None and row.count else ""
        ),
        target=full(row.target) if row.target is not None else "",
        pct=figure.pct_text,
        count=row.count,
        estimated=bool(row.count and row.estimated),
    )


#: Units named one by one among those that did not report; the rest are counted.
MISSING_NAMED = 10


def completeness_words(completeness: Completeness) -> str:
    """ "11/11 đơn vị trực thuộc đã báo cáo (đạt 100%)"; across a reorganisation, which
    units of the other structure were counted ("111/111 đơn vị theo cơ cấu tổ chức trước khi
    sắp xếp đã báo cáo (đạt 100%)"); empty when no unit is expected."""
    c = completeness
    if not c.expected:
        return ""
    share = f"{len(c.reported)}/{c.expected}"
    pct = f"(đạt {format_percent(c.pct)})"
    if not c.carried:
        return f"{share} đơn vị trực thuộc đã báo cáo {pct}"
    when = "trước" if c.carried_era < 0 else "sau"
    if c.carried == c.expected:
        return f"{share} đơn vị theo cơ cấu tổ chức {when} khi sắp xếp đã báo cáo {pct}"
    return (
        f"{share} đơn vị đã báo cáo {pct}, gồm {format_number(c.expected - c.carried)} đơn vị "
        f"trực thuộc và {format_number(c.carried)} đơn vị theo cơ cấu tổ chức {when} khi sắp xếp"
    )


def missing_names(completeness: Completeness) -> str:
    """The units that did not report, by name; beyond ten, "… và 160 đơn vị khác"."""
    names = [u.name for u in completeness.missing]
    if len(names) <= MISSING_NAMED:
        return ", ".join(names)
    rest = format_number(len(names) - MISSING_NAMED)
    return ", ".join(names[:MISSING_NAMED]) + f" và {rest} đơn vị khác"


def report_notes(unit: Unit, period: periods.Period, rows: list[ReportRow]) -> tuple[str, ...]:
    """Say on which structure the figures are, where others' figures were carried over, and
    that the "*" figures are estimates."""
    notes: list[str] = []
    if note := structure_note(unit, period.end, any(row.sources for row in rows)):
        notes.append(note)
    estimated = [
        row.indicator.name[:1].lower() + row.indicator.name[1:]
        for row in rows
        if row.count and row.estimated or row.last_year_estimated
    ]
    if estimated:
        notes.append(
            "Số liệu ước tính do chia tách đơn vị hành chính, phân bổ theo tỷ lệ diện tích "
            f"(đánh dấu {ESTIMATE_MARK} trong lời văn và phụ lục): {'; '.join(estimated)}."
        )
    return tuple(notes)


def members_source(unit: Unit, period: periods.Period, figures: FigureSet) -> str:
    """ " (theo sổ hội viên)" after the membership sentence where its figures come from the
    member registry, how many units' do where only some keep one, nothing otherwise."""
    if not any(figures[code].present for code in REGISTRY_CODES):
        return ""
    yearly = period.period_type == periods.PeriodType.YEARLY
    words = registry_words(registry_coverage(unit, period.end, yearly=yearly))
    return f" ({words})" if words else ""


def report_build(
    unit: Unit,
    period_code: str,
    *,
    issued: dt.date | None = None,
    edition: Edition | str | None = None,
    compare: str | None = None,
    draft: bool = False,
) -> Report:
    """The report of `unit` (its whole subtree) for the period `period_code` ("2023").

    `issued` is the date of the document (by default the day the report was approved, else
    last submitted, else left blank for the officer). `edition` ("2008",
    "2025"): the report of the unit standing for `unit` in that structure, figures entered
    on the other carried over through the successions. `compare`: the period to compare
    with instead of the same period last year. Raises `periods.PeriodError` for an invalid
    period code, `Unit.DoesNotExist` / `Edition.DoesNotExist` for no such structure.
    """
    period = periods.parse(period_code)
    if edition is not None:
        unit = unit_counterpart(unit, edition)
    catalog = indicators_by_code()
    rows = unit_report(unit, period.code, list(catalog.values()), compare=compare)
    figures = FigureSet(rows_with_emulation(rows, unit, period))
    reported = [f for f in figures.values() if f.present]
    if not reported and not draft:
        raise ReportEmpty(unit, period)
    with_targets = [f for f in reported if f.has_target]
    completeness = unit_completeness(unit, period.code)
    place, kind = unit_place(unit)
    completeness_text = completeness_words(completeness)
    context: dict[str, Any] = {
        "f": figures,
        "unit": unit,
        "union_name": unit.union_name,
        "union_short": f"Hội LHPN {kind}".strip(),
        # Who acted: "các cấp Hội" where there are levels below, the union itself otherwise.
        "unions": "các cấp Hội" if completeness.expected else f"Hội LHPN {kind}".strip(),
        "targets_met": len([f for f in with_targets if f.met]),
        "targets_total": len(with_targets),
        "indicators_reported": len(reported),
        "indicators_total": len(figures),
        "place": place,
        "kind": kind,
        "scope": f"toàn {kind}" if kind else "toàn đơn vị",
        "yearly": period.period_type == periods.PeriodType.YEARLY,
        "period": period,
        "period_label": period.label_vi(),
        "last_year_label": (
            periods.parse(compare) if compare else period.same_period_last_year()
        ).label_vi(),
        "completeness": completeness,
        "completeness_text": completeness_text,
        "missing_names": missing_names(completeness),
        "members_source": members_source(unit, period, figures),
    }
    sections: list[SectionText] = []
    appendix: list[AppendixRow] = []
    omitted: list[str] = []
    texts = {part: row.text for part, row in report_texts(unit, period.code).items()}
    for section in Section.objects.order_by("number"):
        section_figures = [figures[c] for c, i in catalog.items() if i.section_id == section.pk]
        appendix += [_appendix_row(section.name, fig) for fig in section_figures]
        paragraphs = _section_paragraphs(section, section_figures, context, omitted)
        if not reported:
            paragraphs = ["Chưa có số liệu."]
        paragraphs += text_paragraphs(texts.get(f"results_{section.number}", ""))
        if paragraphs:
            heading = f"{len(sections) + 1}. {section.name}"
            sections.append(SectionText(heading=heading, paragraphs=paragraphs))
    details = document_settings(unit)
    header = _header(
        unit,
        period,
        issued or report_issue_date(unit, period),
        details,
        report_number(unit, period.code),
    )
    if not reported:
        header = replace(header, title="BÁO CÁO (DỰ THẢO)")
    return Report(
        unit=unit,
        period=period,
        header=header,
        intro=_paragraphs(_render("reports/narrative/intro.txt", context), omitted)
        + text_paragraphs(texts.get(Part.INTRO, "")),
        sections=sections,
        appendix=appendix,
        appendix_title=f"Số liệu các chỉ tiêu {period.label_vi()}",
        completeness=completeness,
        completeness_text=completeness_text,
        figures=figures,
        notes=report_notes(unit, period, rows),
        omitted=tuple(omitted),
        draft=not reported,
        closing=tuple(closing_parts(unit, period, figures, texts)),
    )


def text_paragraphs(text: str) -> list[str]:
    """An officer's passage as paragraphs: one per non-empty line."""
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _amount(indicator: Indicator, value: Decimal) -> str:
    if indicator.value_type == ValueType.MONEY:
        return format_money(value)
    if indicator.value_type == ValueType.PERCENT:
        return format_percent(value)
    return f"{format_number(value, leading_zero=True)} {indicator.unit_label}".strip()


def proposed_weaknesses(figures: FigureSet, last_year_label: str) -> str:
    """What the figures show as hạn chế: indicators short of their target, or down on the
    same period last year; one line each, for the officer to keep, change or remove."""
    lines = []
    for figure in figures.values():
        if figure.indicator is None or figure.row is None:
            continue
        name = figure.indicator.name
        if figure.below_target:
            lines.append(f"- {name}: đạt {figure.pct} chỉ tiêu, chưa đạt chỉ tiêu đề ra.")
        elif figure.down_on_last_year:
            lines.append(f"- {name}: {figure.change} so với cùng kỳ {last_year_label}.")
    return "\n".join(lines)


def proposed_directions(unit: Unit, period: periods.Period) -> str:
    """The next period's targets of the unit (and its phase targets), one line each."""
    following = period.next()
    targets = (
        Target.objects.filter(unit=unit, period__code=following.code)
        .select_related("indicator")
        .order_by("indicator__sort_order", "indicator__code")
    )
    lines = [
        f"- {t.indicator.name}: {_amount(t.indicator, t.value)} (chỉ tiêu {following.label_vi()})."
        for t in targets
    ]
    if lines:
        lines.insert(0, f"Phấn đấu thực hiện các chỉ tiêu {following.label_vi()}:")
    return "\n".join(lines)


def closing_parts(
    unit: Unit, period: periods.Period, figures: FigureSet, texts: dict[str, str]
) -> list[SectionText]:
    """Parts II–IV: what officers wrote; where they wrote nothing, hạn chế and phương
    hướng as the figures propose them; a part with nothing to say is left out."""
    last_year_label = period.same_period_last_year().label_vi()
    weaknesses = texts.get(Part.WEAKNESSES) or proposed_weaknesses(figures, last_year_label)
    directions = texts.get(Part.DIRECTIONS) or proposed_directions(unit, period)
    assessment = [
        SectionText(f"{i}. {label}", text_paragraphs(text))
        for i, (label, text) in enumerate(
            [
                (label, text)
                for label, text in (
                    ("Ưu điểm", texts.get(Part.STRENGTHS, "")),
                    ("Hạn chế, khuyết điểm", weaknesses),
                    ("Nguyên nhân", texts.get(Part.CAUSES, "")),
                )
                if text.strip()
            ],
            start=1,
        )
    ]
    parts: list[SectionText] = []
    if assessment:
        parts += [SectionText("II. ĐÁNH GIÁ CHUNG", [], level=1), *assessment]
    if directions.strip():
        parts.append(
            SectionText(
                f"III. PHƯƠNG HƯỚNG, NHIỆM VỤ {period.next().label_vi().upper()}",
                text_paragraphs(directions),
                level=1,
            )
        )
    proposals = texts.get(Part.PROPOSALS, "")
    if proposals.strip():
        parts.append(SectionText("IV. ĐỀ XUẤT, KIẾN NGHỊ", text_paragraphs(proposals), level=1))
    # Number the parts present in order, as a document does (II, III, IV or II, III...).
    romans = ["II", "III", "IV"]
    numbered: list[SectionText] = []
    for part in parts:
        if part.level == 1:
            roman = romans[len([p for p in numbered if p.level == 1])]
            part = replace(part, heading=f"{roman}.{part.heading.split('.', 1)[1]}")
        numbered.append(part)
    return numbered


def report_filename(report: Report, fmt: str) -> str:
    """The file name a person reads: "Báo cáo Hội LHPN tỉnh Bình Phước năm 2023.pdf"."""
    stem = f"Báo cáo {report.unit.union_name} {report.period.label_vi()}"
    if report.draft:
        stem += " (dự thảo)"
    return f"{stem}.{fmt}"


def _section_paragraphs(
    section: Section, section_figures: list[Figure], context: dict[str, Any], omitted: list[str]
) -> list[str]:
    """The section's paragraphs, or none when it has no figure worth a sentence."""
    figures: FigureSet = context["f"]
    try:
        template = narrative_engine().get_template(
            f"reports/narrative/section_{section.number}.txt"
        )
    except TemplateDoesNotExist:
        # A section the organisation added without wording: list its figures plainly.
        shown = [fig for fig in section_figures if fig]
        if not shown:
            return []
        template = narrative_engine().get_template("reports/narrative/section_generic.txt")
        context = {**context, "section_figures": shown}
    with figures.tracking() as used:
        text = template.render(Context({**context, "section": section}))
    if used and not figures.any_shown(used):
        return []
    return _paragraphs(text, omitted)
