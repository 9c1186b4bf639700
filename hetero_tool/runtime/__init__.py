"""OpenVINO glue: the model a plan applies to, emulated devices, compiling through HETERO."""
