"""Turn our HTML into PDF bytes with WeasyPrint, fetching nothing from outside."""

from __future__ import annotations


class FetchRefused(ValueError):
    pass


def refuse_fetch(url: str, *args, **kwargs):
    """WeasyPrint URL fetcher: PDFs embed only what the template inlines (data: URLs)."""
    raise FetchRefused(f"fetching {url[:40]} is not allowed while rendering a PDF")


def html_to_pdf(html: str) -> bytes:
    import weasyprint  # imported late: heavy, and forked workers must import it themselves

    return weasyprint.HTML(string=html, url_fetcher=refuse_fetch).write_pdf()
