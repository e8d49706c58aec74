"""The report as Markdown: the narrative, then the appendix table."""

from __future__ import annotations

from phongtrao.reports.builder import Report

APPENDIX_COLUMNS = (
    "Chỉ tiêu",
    "Đơn vị tính",
    "Kết quả",
    "Cùng kỳ",
    "Tăng, giảm",
    "Chỉ tiêu giao",
    "Đạt (%)",
    "Số báo cáo",
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render(report: Report) -> bytes:
    """Markdown text (UTF-8)."""
    h = report.header
    lines = [
        f"**{h.parent_name}**  ",
        f"**{h.issuer}**  ",
        f"{h.number}",
        "",
        f"**{h.nation}**  ",
        f"**{h.motto}**  ",
        f"*{h.place_date}*",
        "",
        f"# {h.title}",
        "",
        f"**{h.subtitle}**",
        "",
    ]
    for paragraph in report.intro:
        lines += [paragraph, ""]
    for note in report.notes:
        lines += [f"*{note}*", ""]
    lines += [f"## {report.results_heading}", ""]
    for section in report.sections:
        lines += [f"## {section.heading}", ""]
        lines += [line for paragraph in section.paragraphs for line in (paragraph, "")]
    for section in report.closing:
        lines += [f"{'##' if section.level == 1 else '###'} {section.heading}", ""]
        lines += [line for paragraph in section.paragraphs for line in (paragraph, "")]
    lines += [
        f"**{h.signer_role}**  ",
        f"**{h.signer_title}**  ",
        f"**{h.signer_name}**" if h.signer_name else "",
        "",
        "*Nơi nhận:*  ",
        *[f"- {line}" for line in h.recipients],
        "",
        f"## Phụ lục: {report.appendix_title}",
        "",
    ]
    if report.completeness_text:
        lines += [f"Tình hình báo cáo: {report.completeness_text}.", ""]
    lines += [
        "| " + " | ".join(APPENDIX_COLUMNS) + " |",
        "|" + "|".join(["---"] + ["---"] + ["---:"] * 6) + "|",
    ]
    current = ""
    for row in report.appendix:
        if row.section != current:
            current = row.section
            lines.append(f"| **{_cell(current)}** |" + " |" * 7)
        cells = [
            row.name,
            row.unit_label,
            row.value,
            row.last_year,
            row.change,
            row.target,
            row.pct,
            str(row.count),
        ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    if report.footnotes:
        lines.append("")
        lines += [f"{note}  " for note in report.footnotes]
    return ("\n".join(lines) + "\n").encode()
