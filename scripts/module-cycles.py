#!/usr/bin/env python3
"""Fails if the modules of any crate in the workspace import each other in
a circle.

An edge A -> B is a `crate::` or `super::` path in module A's file that
names module B (or an item the crate root re-exports from B), or a path
through A's own child B. The crate root only declares and re-exports, so
edges into it are not counted. Text-based on purpose: no toolchain plugin.

    python3 scripts/module-cycles.py [SRC_DIR...]
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT = ["infer-nostd/src", "infer-host/src", "trainer/src", "tests/src",
           "examples/cortex-m/src", "examples/cortex-m/inputs/src", "fuzz/src",
           "series-data/src"]


def modules(src):
    """Module path (`a::b`, '' for the root) -> file."""
    mods = {}
    for root, _, files in os.walk(src):
        for f in files:
            if f.endswith(".rs"):
                path = os.path.join(root, f)
                parts = os.path.relpath(path, src)[:-3].split(os.sep)
                if parts[-1] in ("mod", "lib", "main"):
                    parts = parts[:-1]
                mods["::".join(parts)] = path
    return mods


def resolve(path, mods):
    """The longest module prefix of `path`."""
    parts = path.split("::")
    while parts:
        if "::".join(parts) in mods:
            return "::".join(parts)
        parts.pop()
    return ""


def reexports(mods):
    text = open(mods[""]).read()
    names = {}
    for m in re.finditer(r"pub use (\w+)::\{([^}]*)\};", text):
        for item in m.group(2).split(","):
            if item.strip():
                names[item.strip()] = m.group(1)
    for m in re.finditer(r"pub use (\w+)::(\w+);", text):
        names[m.group(2)] = m.group(1)
    return names


def edges(src):
    mods = modules(src)
    names = reexports(mods)
    graph = {m: set() for m in mods}
    for m, path in mods.items():
        if m == "":
            continue
        text = re.sub(r"//[^\n]*", "", open(path).read())
        refs = [(k, rest[2:]) for k, rest in
                re.findall(r"\b(crate|super)((?:::\w+)+)", text)]
        for kind, items in re.findall(r"\b(crate|super)::\{([^}]*)\}", text):
            refs += [(kind, i.strip()) for i in items.split(",")
                     if i.strip() and i.strip() != "self"]
        # A directory module's file is the module itself: `super` is its parent.
        base_super = m.split("::")[:-1]
        for kind, rest in refs:
            base = [] if kind == "crate" else base_super
            first = rest.split("::")[0]
            if kind == "crate" and first in names and first not in mods:
                rest = names[first]
            target = resolve("::".join(base + [rest]), mods)
            if target not in ("", m):
                graph[m].add(target)
        for child in mods:
            if child.rsplit("::", 1)[0] == m and "::" in child:
                name = child.rsplit("::", 1)[1]
                if re.search(r"(?<![\w:])" + name + r"::", text):
                    graph[m].add(child)
    return graph


def cycles(graph):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def main():
    bad = False
    for src in sys.argv[1:] or [os.path.join(ROOT, d) for d in DEFAULT]:
        for component in cycles(edges(src)):
            print(f"{os.path.relpath(src, ROOT)}: modules in a circle: {', '.join(component)}")
            bad = True
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
