"""Fail, naming each one, when the modules of ``app`` import each other in a circle.

import-linter has no contract for cycles across a whole package, so ``make check``
runs this too.  The graph comes from grimp (import-linter's own dependency) and
holds every import statement, those inside functions included: an import put in
a function to dodge a cycle at load time is still a cycle in the design.

    .venv/bin/python -m tests.support.import_cycles [package]
"""
from __future__ import annotations

import sys
from collections import deque

import grimp


def import_graph(package: str) -> dict[str, set[str]]:
    """Each module of ``package`` and the modules of ``package`` it imports."""
    graph = grimp.build_graph(package)
    return {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}


def tangles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that reach one another (strongly connected, more than one module)."""
    order, low, on_stack, stack, found = {}, {}, set(), [], []

    def visit(module: str) -> None:  # Tarjan's algorithm; app/ is far too shallow for the recursion limit
        order[module] = low[module] = len(order)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.get(module, ()):
            if imported not in order:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], order[imported])
        if low[module] == order[module]:
            group = []
            while not group or group[-1] != module:
                group.append(stack.pop())
                on_stack.discard(group[-1])
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph):
        if module not in order:
            visit(module)
    return sorted(found)


def shortest_cycle(graph: dict[str, set[str]], group: list[str]) -> list[str]:
    """A shortest way round the group from its first module back to it, for the message."""
    start, members = group[0], set(group)
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        module = queue.popleft()
        for imported in sorted(graph[module] & members):
            if imported == start:
                return _path(came_from, module, start) + [start]
            if imported not in came_from:
                came_from[imported] = module
                queue.append(imported)
    raise AssertionError(f"{group} is not a cycle")


def _path(came_from: dict[str, str], module: str, start: str) -> list[str]:
    path = [module]
    while path[-1] != start:
        path.append(came_from[path[-1]])
    return path[::-1]


def main(package: str = "app") -> int:
    graph = import_graph(package)
    groups = tangles(graph)
    for group in groups:
        print(f"Import cycle ({len(group)} modules tangled): {' -> '.join(shortest_cycle(graph, group))}")
        print(f"    all of: {', '.join(group)}")
    if not groups:
        print(f"No import cycles in {package}.")
    return 1 if groups else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
