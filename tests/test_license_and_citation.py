"""LICENSE, CITATION.cff and the README agree: MIT for the code, CC BY 4.0 for the text and figures; the
citation file has the fields Citation File Format 1.2.0 requires, and the library's version."""

import datetime
import re
import tomllib

import yaml
from book_files import ROOT

LICENSE = (ROOT / "LICENSE").read_text()
CITATION = yaml.safe_load((ROOT / "CITATION.cff").read_text())
README = (ROOT / "README.md").read_text()
# Each license by its SPDX identifier (what CITATION.cff uses) and the title LICENSE gives it.
SPDX_TITLES = {"MIT": "MIT License", "CC-BY-4.0": "Creative Commons Attribution 4.0 International"}
# The keys CFF 1.2.0 allows at the top level (https://github.com/citation-file-format/citation-file-format).
CFF_KEYS = {
    "abstract", "authors", "cff-version", "commit", "contact", "date-released", "doi", "identifiers",
    "keywords", "license", "license-url", "message", "preferred-citation", "references", "repository",
    "repository-artifact", "repository-code", "title", "type", "url", "version",
}  # fmt: skip


def licenses_in_license_file():
    return {spdx for spdx, title in SPDX_TITLES.items() if title in LICENSE}


def test_license_file_holds_the_mit_text_and_the_cc_by_terms():
    assert licenses_in_license_file() == {"MIT", "CC-BY-4.0"}
    assert "Permission is hereby granted, free of charge, to any person obtaining a copy" in LICENSE
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in LICENSE
    assert "https://creativecommons.org/licenses/by/4.0/legalcode" in LICENSE
    assert "Attribution: you must give appropriate credit" in LICENSE


def test_license_file_names_folders_that_exist():
    code, text = LICENSE.split("Text and figures:", 1)
    for folder in ("optim_core/", "tests/", "scripts/", "benchmarks/"):
        assert folder in code and (ROOT / folder).is_dir(), folder
    assert "book/" in text.split("Part 1.")[0]


def test_citation_has_the_required_fields():
    assert set(CITATION) <= CFF_KEYS, set(CITATION) - CFF_KEYS
    assert CITATION["cff-version"] == "1.2.0"
    assert isinstance(CITATION["message"], str) and CITATION["message"]
    assert isinstance(CITATION["title"], str) and "Optimizers, Computed" in CITATION["title"]
    assert CITATION["authors"] == [{"name": "The optim_core authors"}]  # an entity, not a person
    assert CITATION["type"] in {"software", "dataset"}  # the two types CFF 1.2.0 allows
    datetime.date.fromisoformat(CITATION["date-released"])
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert CITATION["version"] == version


def test_citation_license_matches_the_license_file():
    assert set(CITATION["license"]) == licenses_in_license_file()
    book = CITATION["preferred-citation"]
    assert book["type"] == "book" and set(book["license"]) == licenses_in_license_file()


def test_readme_says_how_to_cite_and_under_which_licenses():
    sections = dict(re.findall(r"^## ([^\n]+)\n(.*?)(?=^## |\Z)", README, re.M | re.S))
    assert "MIT" in sections["License"] and "CC BY 4.0" in sections["License"]
    assert "CITATION.cff" in sections["How to cite"]
