"""Tags and filters of the narrative templates (loaded as builtins by the narrative engine).

* ``{% paragraph %}…{% endparagraph %}``: one paragraph, written on as many template lines as
  is convenient (whitespace is collapsed); left out when none of the figures it reads has a
  value or a target;
* ``{{ f.GD_LUOT|about:"ngàn" }}`` -> "hơn 32 ngàn", ``{{ f.KN_NGUOI_DU|about:100 }}`` ->
  "hơn 200" (an estimated figure gets "*" after it, as everywhere);
* ``{{ f.MDD_COVID|ratio:f.MDD_COVID_TONG }}`` -> "12/12 (đạt 100%)".
"""

from __future__ import annotations

from django import template
from django.template.base import NodeList, Parser, Token
from django.template.context import Context

from phongtrao.reports.figures import COUNT_SCALES, Figure, FigureSet, format_about

register = template.Library()

#: Separates paragraphs in a rendered narrative template (never typed by a person).
PARAGRAPH_BREAK = "\x1e"


class ParagraphNode(template.Node):
    def __init__(self, nodelist: NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context: Context) -> str:
        figures = context.get("f")
        text: str
        if not isinstance(figures, FigureSet):
            text = self.nodelist.render(context)
        else:
            with figures.tracking() as used:
                text = self.nodelist.render(context)
            if used and not figures.any_shown(used):
                return ""
        text = " ".join(text.split())
        return f"{PARAGRAPH_BREAK}{text}{PARAGRAPH_BREAK}" if text else ""


@register.tag
def paragraph(parser: Parser, token: Token) -> ParagraphNode:
    """``{% paragraph %}`` … ``{% endparagraph %}``: see the module docstring."""
    nodelist = parser.parse(("endparagraph",))
    parser.delete_first_token()
    return ParagraphNode(nodelist)


@register.filter
def about(figure: Figure, scale: str | int = 1) -> str:
    """A count as "hơn" a round number: by a scale word ("ngàn") or a step (100)."""
    if isinstance(scale, str) and scale in COUNT_SCALES:
        return format_about(figure.value, word=scale) + figure.mark
    return format_about(figure.value, step=int(scale)) + figure.mark


@register.filter
def ratio(part: Figure, whole: Figure) -> str:
    """ "12/12 (đạt 100%)"."""
    return part.ratio_to(whole)
