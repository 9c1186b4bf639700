"""How the tool's results show themselves: device colours, the placement strip, notebook cards.

It sits just above the partition, below every type that displays itself (the plan, a bench, the optimizer's
result, a plan diff), so each can import it, lazily, when Jupyter asks for a display. The CLI loads only the
palette (every picture's colours); the strip, the canvas and the cards load when something is drawn.
"""
