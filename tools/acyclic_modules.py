"""An import-linter contract type: no module of the project takes part in an import cycle.

import-linter's own `acyclic_siblings` looks only at direct imports between the children of one
package, so it misses a cycle that leaves the package on its way round (a service's bootstrap
importing the composition root, which imports the bootstrap back) and a cycle between top-level
packages. This contract looks at the graph of modules itself: every strongly connected component of
more than one module is a cycle, reported with one concrete path round it.

Registered in pyproject.toml (`contract_types`); `lint-imports` runs it with the other contracts.
"""

from __future__ import annotations

from collections import deque

from grimp import ImportGraph
from importlinter.application import contract_utils, output
from importlinter.application.contract_utils import AlertLevel
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


class AcyclicModulesContract(Contract):
    type_name = "acyclic_modules"

    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)
    unmatched_ignore_imports_alerting = fields.EnumField(AlertLevel, default=AlertLevel.ERROR)

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph,
            ignore_imports=self.ignore_imports,  # type: ignore[arg-type]
            unmatched_alerting=self.unmatched_ignore_imports_alerting,  # type: ignore[arg-type]
        )
        components = sorted(sorted(component) for component in _strongly_connected(graph))
        cycles = [
            {"modules": component,
             "path": [(importer, imported, _line_numbers(graph, importer, imported))
                      for importer, imported in _path_round(graph, set(component))]}
            for component in components
        ]
        return ContractCheck(
            kept=not cycles, warnings=list(removal.warnings), ignored_import_count=removal.ignored_import_count,
            metadata={"cycles": cycles},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        for cycle in check.metadata["cycles"]:
            output.print_error(f"{len(cycle['modules'])} modules import each other in a cycle: "
                               f"{', '.join(cycle['modules'])}. One way round:")
            for importer, imported, lines in cycle["path"]:
                output.print_error(f"- {importer} -> {imported} (l.{lines})")
            output.new_line()


def _line_numbers(graph: ImportGraph, importer: str, imported: str) -> str:
    return ", ".join(sorted({str(d["line_number"]) for d in graph.get_import_details(importer=importer,
                                                                                     imported=imported)}))


def _strongly_connected(graph: ImportGraph) -> list[set[str]]:
    """Tarjan's algorithm, iterative (a deep package would overflow Python's recursion limit);
    only components of two or more modules, which are the cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[set[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, imported = work[-1]
            following = next(imported, None)
            if following is not None:
                if following not in index:
                    index[following] = low[following] = len(index)
                    stack.append(following)
                    on_stack.add(following)
                    work.append((following, iter(sorted(graph.find_modules_directly_imported_by(following)))))
                elif following in on_stack:
                    low[module] = min(low[module], index[following])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[module])
            if low[module] == index[module]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == module:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def _path_round(graph: ImportGraph, component: set[str]) -> list[tuple[str, str]]:
    """The imports of the shortest cycle through the component's first module."""
    start = min(component)
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        module = queue.popleft()
        for following in sorted(graph.find_modules_directly_imported_by(module) & component):
            if following == start:
                path = [module]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                modules = [*reversed(path), start]
                return list(zip(modules, modules[1:], strict=False))
            if following not in came_from:
                came_from[following] = module
                queue.append(following)
    raise AssertionError(f"{start} is in a strongly connected component but on no cycle")
