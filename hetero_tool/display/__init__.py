"""How the tool's results show themselves: device colours, the placement strip, notebook cards.

It sits just above the partition, below every type that displays itself (the plan, a bench, the optimizer's
result, a plan diff), so each can import it, lazily, when Jupyter asks for a display: importing
``hetero_tool`` for the CLI never loads it.
"""
