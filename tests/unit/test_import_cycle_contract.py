"""The `acyclic_modules` import-linter contract (tools/acyclic_modules.py) that `make lint` runs: it finds
the cycles import-linter's own contracts miss, names every module on them, and honours ignore_imports."""

from __future__ import annotations

from grimp import ImportGraph

from tools.acyclic_modules import AcyclicModulesContract


def _graph(*imports: str) -> ImportGraph:
    graph = ImportGraph()
    for expression in imports:
        importer, imported = expression.split(" -> ")
        graph.add_import(importer=importer, imported=imported, line_number=3, line_contents=f"import {imported}")
    return graph


def _check(graph: ImportGraph, *ignore_imports: str):  # type: ignore[no-untyped-def]
    options = {"ignore_imports": list(ignore_imports)} if ignore_imports else {}
    return AcyclicModulesContract("no cycles", {}, options).check(graph, verbose=False)


def test_a_cycle_between_top_level_packages_breaks_the_contract() -> None:
    check = _check(_graph("shop.bootstrap -> wiring.app", "wiring.app -> shop.bootstrap", "wiring.app -> stock"))

    assert not check.kept
    [cycle] = check.metadata["cycles"]
    assert cycle["modules"] == ["shop.bootstrap", "wiring.app"]
    assert [(a, b) for a, b, _ in cycle["path"]] == [("shop.bootstrap", "wiring.app"), ("wiring.app", "shop.bootstrap")]


def test_a_cycle_through_a_package_init_breaks_the_contract() -> None:
    check = _check(_graph("shop -> shop.cart", "shop.cart -> shop.prices", "shop.prices -> shop"))

    assert not check.kept
    [cycle] = check.metadata["cycles"]
    assert cycle["modules"] == ["shop", "shop.cart", "shop.prices"]
    assert [a for a, _, _ in cycle["path"]] == ["shop", "shop.cart", "shop.prices"]
    assert all(lines == "3" for _, _, lines in cycle["path"])


def test_every_separate_cycle_is_reported() -> None:
    check = _check(_graph("a.x -> a.y", "a.y -> a.x", "b.x -> b.y", "b.y -> b.x", "a.x -> b.x"))

    assert [cycle["modules"] for cycle in check.metadata["cycles"]] == [["a.x", "a.y"], ["b.x", "b.y"]]


def test_imports_that_only_go_one_way_keep_the_contract() -> None:
    check = _check(_graph("shop.api -> shop.app", "shop.app -> shop.domain", "shop.api -> shop.domain"))

    assert check.kept
    assert check.metadata["cycles"] == []


def test_an_ignored_import_takes_its_cycle_out() -> None:
    check = _check(_graph("shop.app -> shop.api", "shop.api -> shop.app"), "shop.app -> shop.api")

    assert check.kept
    assert check.ignored_import_count == 1
