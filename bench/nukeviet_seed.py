"""The seed's article as SQL for NukeViet's news module, so both portals serve the same text.

`bench/nukeviet.sh` pipes this into MariaDB after NukeViet's installer: one news row in the
"Tin-tuc" category with the seed's title, summary and body (the same file the demo publishes,
phongtrao/portal/demo_content/seed_article.txt), written where NukeViet's admin writes a
published article: `nv4_vi_news_rows`, the category's own copy `nv4_vi_news_<catid>` and
`nv4_vi_news_detail`. The other columns are copied from NukeViet's own newest article, so the
row is one its admin could have saved. Idempotent: nothing is written when the alias exists.
Standard library only, so it runs without the project's virtualenv.

    python3 bench/nukeviet_seed.py | mysql -uroot nukeviet
"""

from __future__ import annotations

import base64
import html
import sys
from pathlib import Path

SEED = Path(__file__).resolve().parent.parent / "phongtrao/portal/demo_content/seed_article.txt"
ALIAS = "hoi-lhpn-tinh-binh-phuoc-nhan-bang-khen-nam-2023"
CATEGORY = "Tin-tuc"


def article_parts(text: str) -> tuple[str, str, str]:
    """(title, summary, body HTML) of the seed file's lines, as the demo reads them."""
    title = summary = ""
    body: list[str] = []
    for line in text.splitlines():
        if line.startswith("# "):
            title = line[2:]
        elif line.startswith("> "):
            summary = line[2:]
        elif line.startswith("! "):
            body.append(f"<p><em>{html.escape(line[2:])}</em></p>")
        elif line.startswith("@ "):
            body.append(f'<p style="text-align:right"><strong>{html.escape(line[2:])}</strong></p>')
        elif line.startswith("## "):
            body.append(f"<h2>{html.escape(line[3:])}</h2>")
        elif line.strip():
            body.append(f"<p>{html.escape(line)}</p>")
    return title, summary, "\n".join(body)


def literal(value: str) -> str:
    """A MariaDB string expression for any text, with nothing to escape."""
    return f"CONVERT(FROM_BASE64('{base64.b64encode(value.encode()).decode()}') USING utf8mb4)"


def sql(text: str) -> str:
    """The statements that publish the seed's article, once."""
    title, summary, body = article_parts(text)
    return f"""
SET @catid = (SELECT catid FROM nv4_vi_news_cat WHERE alias = '{CATEGORY}');
SET @exists = (SELECT COUNT(*) FROM nv4_vi_news_rows WHERE alias = '{ALIAS}');
SET @model = (SELECT MAX(id) FROM nv4_vi_news_rows WHERE status = 1 AND external_link = 0);
SET @id = (SELECT MAX(id) + 1 FROM nv4_vi_news_rows);
CREATE TEMPORARY TABLE seed_row SELECT * FROM nv4_vi_news_rows WHERE id = @model AND @exists = 0;
UPDATE seed_row SET id = @id, catid = @catid, listcatid = @catid, topicid = 0,
    title = {literal(title)}, alias = '{ALIAS}', hometext = {literal(summary)},
    homeimgfile = '', homeimgalt = '', homeimgthumb = 0, addtime = UNIX_TIMESTAMP(),
    edittime = UNIX_TIMESTAMP(), publtime = UNIX_TIMESTAMP() - 60, exptime = 0, archive = 0,
    hitstotal = 0, hitscm = 0, total_rating = 0, click_rating = 0, allowed_comm = 4;
INSERT INTO nv4_vi_news_rows SELECT * FROM seed_row;
SET @copy = CONCAT('INSERT INTO nv4_vi_news_', @catid, ' SELECT * FROM seed_row');
PREPARE copy_row FROM @copy;
EXECUTE copy_row;
CREATE TEMPORARY TABLE seed_detail
    SELECT * FROM nv4_vi_news_detail WHERE id = @model AND @exists = 0;
UPDATE seed_detail SET id = @id, titlesite = '', description = {literal(summary)},
    bodyhtml = {literal(body)}, keywords = '', sourcetext = '', files = '';
INSERT INTO nv4_vi_news_detail SELECT * FROM seed_detail;
"""


if __name__ == "__main__":
    sys.stdout.write(sql(SEED.read_text(encoding="utf-8")))
