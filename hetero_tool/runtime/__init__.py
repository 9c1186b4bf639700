"""Plans run through OpenVINO: compile and verify (:mod:`.hetero`), time (:mod:`.timing`, :mod:`.bench`), read
perf counters (:mod:`.counters`), check accuracy, and calibrate the cost model (:mod:`.calibration`)."""
