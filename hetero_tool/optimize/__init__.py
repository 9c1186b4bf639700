"""The optimizer: the placement HETERO runs fastest, found under the cost model, bounded, and compared with
the baselines users would otherwise get (HETERO's default, one device, the peers' island rules, min cut,
fewest phases). OR-Tools (CP-SAT, max flow) is imported only when a search runs."""
