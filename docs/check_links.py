"""Check the links of a built site: every relative `href`/`src` names a file that exists in it,
and every `#anchor` names an id (or `<a name>`) on the page it points to.

    python docs/check_links.py site

Links with a scheme (`https:`, `mailto:` ...) or starting with `//` are external and not
fetched. `mkdocs build --strict` already refuses broken links between Markdown pages; this
also covers anchors into and links out of pages that are not Markdown (the scorecard's HTML,
figures, static files) and whatever the theme writes. Exit status 1 and one line per broken
link when any is broken.
"""

from __future__ import annotations

import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

LINK_ATTRIBUTES = {"href", "src"}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[int, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (tag == "a" and name == "name"):
                self.ids.add(value)
            elif name in LINK_ATTRIBUTES and tag not in ("use", "image"):   # SVG-internal references
                self.links.append((self.getpos()[0], value))

    handle_startendtag = handle_starttag


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8", errors="replace"))
    page.close()
    return page


def _target(site: Path, page: Path, url_path: str) -> Path:
    """The file a relative (or site-absolute) URL path names, as the site's web server would serve it."""
    base = site if url_path.startswith("/") else page.parent
    target = (base / unquote(url_path.lstrip("/"))).resolve()
    if url_path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target


def check_site(site: Path) -> list[str]:
    """Every broken link of the HTML pages under `site`, as 'page:line: link (why)'."""
    site = site.resolve()
    pages = {path.resolve(): _parse(path) for path in sorted(site.rglob("*.html"))}
    problems = []
    for path, page in pages.items():
        for line, link in page.links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//"):
                continue
            where = f"{path.relative_to(site)}:{line}: {link}"
            target = path if not parts.path else _target(site, path, parts.path)
            if site not in target.parents and target != site:
                problems.append(f"{where} (outside the site)")
                continue
            if not target.exists():
                problems.append(f"{where} (no file {target.relative_to(site)})")
                continue
            anchor = unquote(parts.fragment)
            if anchor and target.suffix == ".html":
                ids = pages[target].ids if target in pages else _parse(target).ids
                if anchor not in ids:
                    problems.append(f"{where} (no anchor #{anchor} in {target.relative_to(site)})")
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    site = Path(args[0] if args else "site")
    if not (site / "index.html").exists():
        print(f"error: {site} holds no built site (no index.html): run mkdocs build first", file=sys.stderr)
        return 2
    problems = check_site(site)
    n_pages = sum(1 for _ in site.rglob("*.html"))
    for problem in problems:
        print(problem)
    print(f"{n_pages} HTML pages checked: " + (f"{len(problems)} broken link(s)" if problems else "no broken links"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
