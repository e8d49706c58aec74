"""Search-engine and other robots, told apart by their user agent."""

from __future__ import annotations

import re
from functools import lru_cache

# Words that crawlers, link previewers, monitors and HTTP libraries put in their user agent
# (Googlebot, bingbot, coccocbot, facebookexternalhit, Zalo's and Telegram's previewers,
# curl, python-requests...); matched case-insensitively. "HeadlessChrome" is deliberately
# absent: people's tools and our own browser tests use it.
_BOT_PATTERN = re.compile(
    r"bot\b|bot[/_-]|crawl|spider|slurp|scrapy|archiver|bingpreview|facebookexternalhit|"
    r"facebot|coccoc(?:bot)?-|feedfetcher|mediapartners|adsbot|google-inspectiontool|"
    r"googleother|yandex|baidu|sogou|bytespider|petalbot|semrush|ahrefs|mj12|dotbot|"
    r"duckduckgo-favicons|embedly|pinterest|whatsapp|skypeuripreview|zalo-?preview|"
    r"uptimerobot|pingdom|statuscake|site24x7|lighthouse|pagespeed|"
    r"^curl/|^wget/|^python-|^python/|^go-http-client|^java/|^okhttp|^libwww|^apache-httpclient|"
    r"^axios/|^node-fetch|^php/|^ruby|^httpie|^postmanruntime",
    re.IGNORECASE,
)


@lru_cache(maxsize=2048)
def is_bot(user_agent: str) -> bool:
    """True for a search engine or another robot (Googlebot, bingbot, Cốc Cốc, curl...).

    A request without a user agent is no browser: it counts as a robot too.
    """
    user_agent = user_agent.strip()
    return not user_agent or bool(_BOT_PATTERN.search(user_agent))
