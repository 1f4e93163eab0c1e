"""The README and docs/ stay short, linked and true to the code: the README fits on a few screens, every relative
link leads somewhere, every `make` target they name exists, and docs/architecture.md names every package."""

from __future__ import annotations

import re

from geo_app.settings import ROOT

README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS]

FENCE = re.compile(r"^```.*?^```", re.M | re.S)
INLINE_CODE = re.compile(r"`[^`\n]+`")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
MAKE = re.compile(r"(?:^|[\s;&|(])make\s+([A-Za-z][\w.-]*)")
TARGET = re.compile(r"^([A-Za-z0-9_./$()-][^:=#\n]*?)\s*::?(?!=)", re.M)


def prose(text: str) -> str:
    """The text without code: links in code are examples, not links."""
    return INLINE_CODE.sub("", FENCE.sub("", text))


def code(text: str) -> list[str]:
    """Every code span and every line of every fenced block."""
    spans = [m.group(0).strip("`") for m in INLINE_CODE.finditer(FENCE.sub("", text))]
    return spans + [line for block in FENCE.findall(text) for line in block.splitlines()[1:-1]]


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped (letters of any script kept), spaces to -."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path) -> set[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return {slug(m.group(1)) for m in re.finditer(r"^#+\s+(.+)$", text, re.M)}


def makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    names = set()
    for match in TARGET.finditer(text):
        names.update(match.group(1).split())
    for phony in re.findall(r"^\.PHONY:(.*)$", text, re.M):
        names.update(phony.split())
    return names


def test_the_readme_is_short():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines: move detail into docs/"


def test_every_relative_link_leads_to_a_file_and_heading():
    broken = []
    for page in PAGES:
        for target in LINK.findall(prose(page.read_text(encoding="utf-8"))):
            if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
                continue
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            if not linked.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such file)")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
    assert not broken, "\n".join(broken)


def test_every_make_target_named_exists():
    targets = makefile_targets()
    named = {}
    for page in PAGES:
        for snippet in code(page.read_text(encoding="utf-8")):
            for name in MAKE.findall(snippet):
                named.setdefault(name, page.relative_to(ROOT))
    missing = {name: str(page) for name, page in named.items() if name not in targets}
    assert "run" in named and "test" in named
    assert not missing, f"make targets named in the docs but not in the Makefile: {missing}"


def test_architecture_names_every_package_and_root_module():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    package = ROOT / "geo_app"
    missing = []
    for init in sorted(package.rglob("__init__.py")):
        folder = init.parent.relative_to(package).as_posix()
        if folder == ".":
            continue
        if not re.search(rf"(^|[\s`(])(geo_app/)?{re.escape(folder)}/", text, re.M):
            missing.append(f"{folder}/")
    for module in sorted(package.glob("*.py")):
        if f"geo_app/{module.name}" not in text:
            missing.append(module.name)
    assert not missing, f"docs/architecture.md does not name: {missing}"


def test_no_file_keeps_a_merge_conflict():
    """A merge left unresolved in a tracked text file (docs, code, templates) is caught before it ships."""
    import subprocess

    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    markers = re.compile(r"^(<{7} |>{7} |={7}$)", re.M)
    left = []
    for name in tracked:
        if name.endswith((".py", ".md", ".html", ".js", ".css", ".toml", ".txt", ".cfg", "Makefile")):
            text = (ROOT / name).read_text(encoding="utf-8", errors="replace")
            left += [name for _ in markers.finditer(text)][:1]
    assert left == []
