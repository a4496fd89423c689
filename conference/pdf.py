"""Turn our HTML into PDF bytes with WeasyPrint, fetching nothing from outside."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager


class FetchRefused(ValueError):
    pass


def refuse_fetch(url: str, *args, **kwargs):
    """Refuse `url`: PDFs embed only what the template inlines (data: URLs)."""
    raise FetchRefused(f"fetching {url[:40]} is not allowed while rendering a PDF")


def _is_inline(url: str) -> bool:
    return url[:5].lower() == "data:"


# Images a document names by `resource:<name>` and hands over as bytes beside the HTML: a
# data: URL costs WeasyPrint's HTML tokenizer a pass over every base64 character (a quarter of
# a 300-badge sheet's time), and a photo used twice is decoded once.
RESOURCE = "resource:"
IMAGE_TYPES = {b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def resource_url(name: str) -> str:
    return RESOURCE + name


def _image_type(data: bytes) -> str:
    return next((kind for magic, kind in IMAGE_TYPES.items() if data.startswith(magic)),
                "application/octet-stream")


def url_fetcher(resources: Mapping[str, bytes] | None = None):
    """A WeasyPrint URL fetcher that reads data: URLs and the document's own resources, and
    hands every other URL to refuse_fetch.

    WeasyPrint 70 wants a `URLFetcher` object: a plain function crashes the render with an
    AttributeError on the first refused URL, and data: URLs go through the fetcher too.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    resources = resources or {}

    class InlineOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if _is_inline(url):
                return super().fetch(url, headers)
            data = resources.get(url.removeprefix(RESOURCE)) if url.startswith(RESOURCE) \
                else None
            if data is not None:
                return URLFetcherResponse(url, data, {"Content-Type": _image_type(data)})
            return refuse_fetch(url)

    # allowed_protocols guards the parent class too, should a redirect or subclass reach it.
    return InlineOnlyFetcher(allowed_protocols={"data"}, allow_redirects=False)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the length of a render.

    A render makes about a million objects that live until it ends, so the collector's full
    passes run again and again over a growing heap and find nothing: 40 % of a 300-badge sheet's
    time (bench/badges.py). What a render leaves in cycles waits for the next collection. The
    switch is process-wide: two renders in two threads leave it on when the first ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def html_to_pdf(html: str, resources: Mapping[str, bytes] | None = None) -> bytes:
    """The PDF of `html`, which may embed data: URLs and `resource:<name>` of `resources`."""
    import weasyprint  # imported late: heavy, and forked workers must import it themselves

    with collector_paused():
        return weasyprint.HTML(string=html, url_fetcher=url_fetcher(resources)).write_pdf()


WARM_UP = ('<p style="font-family: \'DejaVu Sans\'">Nguyễn Văn Trường '
           '<b>Đào Anh Dũng</b></p>')


def warm_up() -> None:
    """Load WeasyPrint, fontconfig and both weights of the font before the first real page."""
    html_to_pdf(WARM_UP)
