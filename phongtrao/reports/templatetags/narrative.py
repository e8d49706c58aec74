"""Tags and filters of the narrative templates (loaded as builtins by the narrative engine).

* ``{% paragraph %}…{% endparagraph %}``: one paragraph, written on as many template lines as
  is convenient (whitespace is collapsed); left out when none of the figures it reads has a
  value or a target;
* ``{{ f.GD_LUOT|about:"ngàn" }}`` -> "hơn 32 ngàn", ``{{ f.KN_NGUOI_DU|about:100 }}`` ->
  "hơn 200" (an estimated figure gets "*" after it, as everywhere);
* ``{{ f.MDD_COVID|ratio:f.MDD_COVID_TONG }}`` -> "12/12 (đạt 100%)";
* ``{% clauses %}lead {% clause f.A %}…{% endclause %}{% clause f.B %}…{% endclause %}
  tail{% endclauses %}``: a list of clauses, each kept only when its figures (the arguments
  of ``{% clause %}``) are all non-zero, joined with ", " and " và " before the last (other
  separators as arguments: ``{% clauses "; " "; " %}``); with no clause left, the lead and
  the tail go too.
"""

from __future__ import annotations

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.template.context import Context

from phongtrao.reports.figures import COUNT_SCALES, MISSING, Figure, FigureSet, format_about

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


class ClauseNode(template.Node):
    def __init__(self, keys: list[FilterExpression], nodelist: NodeList) -> None:
        self.keys = keys
        self.nodelist = nodelist

    def render(self, context: Context) -> str:
        if not all(key.resolve(context) for key in self.keys):
            return ""
        return " ".join(self.nodelist.render(context).split())


class ClausesNode(template.Node):
    def __init__(self, separator: str, last: str, nodelist: NodeList) -> None:
        self.separator = separator
        self.last = last
        self.nodelist = nodelist

    def render(self, context: Context) -> str:
        places = [i for i, node in enumerate(self.nodelist) if isinstance(node, ClauseNode)]
        if not places:
            return self.nodelist.render(context)
        items = [self.nodelist[i].render(context) for i in places]
        kept = [item for item in items if item]
        if not kept:
            return ""
        lead = "".join(node.render(context) for node in self.nodelist[: places[0]])
        tail = "".join(node.render(context) for node in self.nodelist[places[-1] + 1 :])
        body = self.separator.join(kept[:-1])
        body = f"{body}{self.last}{kept[-1]}" if body else kept[-1]
        return f"{lead}{body}{tail}"


def _quoted(parser: Parser, bits: list[str], default: str) -> str:
    if not bits:
        return default
    bit = bits.pop(0)
    if len(bit) < 2 or bit[0] != bit[-1] or bit[0] not in "\"'":
        raise template.TemplateSyntaxError(f"Dấu phân cách phải đặt trong ngoặc kép: {bit}")
    return bit[1:-1]


@register.tag
def clauses(parser: Parser, token: Token) -> ClausesNode:
    """``{% clauses [separator] [last] %}`` … ``{% endclauses %}``: see the module docstring."""
    bits = token.split_contents()[1:]
    separator = _quoted(parser, bits, ", ")
    last = _quoted(parser, bits, " và ")
    nodelist = parser.parse(("endclauses",))
    parser.delete_first_token()
    return ClausesNode(separator, last, nodelist)


@register.tag
def clause(parser: Parser, token: Token) -> ClauseNode:
    """``{% clause f.A f.B %}`` … ``{% endclause %}``: kept when every figure is non-zero."""
    keys = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endclause",))
    parser.delete_first_token()
    return ClauseNode(keys, nodelist)


@register.filter
def about(figure: Figure, scale: str | int = 1) -> str:
    """A count as "hơn" a round number: by a scale word ("ngàn") or a step (100)."""
    if not figure:
        return MISSING
    if isinstance(scale, str) and scale in COUNT_SCALES:
        return format_about(figure.value, word=scale) + figure.mark
    return format_about(figure.value, step=int(scale)) + figure.mark


@register.filter
def ratio(part: Figure, whole: Figure) -> str:
    """ "12/12 (đạt 100%)"."""
    return part.ratio_to(whole)
