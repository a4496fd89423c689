"""Turn our HTML into PDF bytes with WeasyPrint, fetching nothing from outside."""

from __future__ import annotations


class FetchRefused(ValueError):
    pass


def refuse_fetch(url: str, *args, **kwargs):
    """Refuse `url`: PDFs embed only what the template inlines (data: URLs)."""
    raise FetchRefused(f"fetching {url[:40]} is not allowed while rendering a PDF")


def _is_inline(url: str) -> bool:
    return url[:5].lower() == "data:"


def url_fetcher():
    """A WeasyPrint URL fetcher that reads data: URLs and hands every other URL to refuse_fetch.

    WeasyPrint 70 wants a `URLFetcher` object: a plain function crashes the render with an
    AttributeError on the first refused URL, and data: URLs go through the fetcher too.
    """
    from weasyprint.urls import URLFetcher

    class InlineOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if _is_inline(url):
                return super().fetch(url, headers)
            return refuse_fetch(url)

    # allowed_protocols guards the parent class too, should a redirect or subclass reach it.
    return InlineOnlyFetcher(allowed_protocols={"data"}, allow_redirects=False)


def html_to_pdf(html: str) -> bytes:
    import weasyprint  # imported late: heavy, and forked workers must import it themselves

    return weasyprint.HTML(string=html, url_fetcher=url_fetcher()).write_pdf()


WARM_UP = ('<p style="font-family: \'DejaVu Sans\'">Nguyễn Văn Trường '
           '<b>Đào Anh Dũng</b></p>')


def warm_up() -> None:
    """Load WeasyPrint, fontconfig and both weights of the font before the first real page."""
    html_to_pdf(WARM_UP)
