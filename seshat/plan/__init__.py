"""The memory planner: the model catalogue, the peak-memory estimate, and the plan a run uses (make.py)."""
