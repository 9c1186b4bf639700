"""Reports: OpenVINO's own dumps read back, and the tool's dumps, renders and summaries."""
