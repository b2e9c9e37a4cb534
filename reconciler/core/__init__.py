"""Values and rules shared by every layer: the model, errors and exit codes, the ports."""
