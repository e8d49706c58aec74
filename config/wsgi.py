"""WSGI entry point.

What a worker loads at start-up and while warming up (modules, URL patterns, templates, the
portal's memos) lives as long as the process. Python's collector would walk all of it on every
full collection, a pause of tens of milliseconds in the middle of some request; it is frozen
out of the collector's way (`gc.freeze`) once the application is loaded and again after the
first `WARM_UP_REQUESTS` requests. Objects made later are collected as usual.

Django's handler is the portal's (`phongtrao.portal.fastpath.GuestHitsHandler`): a guest's
hit on a page the guests' cache holds is answered before the rest of Django's work.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
WARM_UP_REQUESTS = 500


def frozen_after_warm_up(
    app: Callable[..., Iterable[bytes]], requests: int = WARM_UP_REQUESTS
) -> Callable[..., Iterable[bytes]]:
    """`app`, with everything alive now frozen out of the collector, and again after `requests`
    requests."""
    gc.collect()
    gc.freeze()
    served = [0]

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if served[0] <= requests:
            served[0] += 1
            if served[0] == requests:
                gc.collect()
                gc.freeze()
        return app(environ, start_response)

    return application


def handler() -> Callable[..., Iterable[bytes]]:
    """Django's WSGI handler as get_wsgi_application makes it, the portal's."""
    django.setup(set_prefix=False)
    from phongtrao.portal.fastpath import GuestHitsHandler

    return GuestHitsHandler()


application = frozen_after_warm_up(handler())
