"""The review report: one offline HTML site over the warehouse for auditors (`jixiao report`, and
rebuilt by every checked Dagster run into $JIXIAO_DOCS/report/).

An index by unit and year (budget, executed, rate, score, findings, OCR-unverified forms), every current
form and every refused file with its reason, sortable and filterable; and a page per finding (a failed
check on a current form) with the form, the rule in Chinese and English, the printed and the computed
number with their difference and unit, the file and page, and a picture of the page region with the
numbers outlined, rendered from the kept copy of the report (`pipeline.sources`). Nothing on any page
is fetched from elsewhere: style and script are inline, pictures are PNG files beside the pages, and
a Content-Security-Policy forbids any other request.
"""

from .build import Built, NotAReport, build, markdown

__all__ = ["Built", "NotAReport", "build", "markdown"]
