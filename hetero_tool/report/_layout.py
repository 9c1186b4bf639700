"""Child process that lays out Graphviz source from stdin with pygraphviz:
``python -m hetero_tool.report._layout FMT [ENGINE]`` (``dot`` unless ENGINE is given).

Used when no system ``dot`` is installed: the ``pygraphviz`` wheel bundles Graphviz's libraries and plugins
(not its command-line tools). Running it in a child lets the parent stop a layout that takes too long.
"""

from __future__ import annotations

import sys


def main() -> int:
    import pygraphviz

    fmt, engine = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "dot"
    graph = pygraphviz.AGraph(string=sys.stdin.read())
    sys.stdout.buffer.write(graph.draw(format=fmt, prog=engine))
    return 0


if __name__ == "__main__":
    sys.exit(main())
