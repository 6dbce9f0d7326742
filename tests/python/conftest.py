"""Makes `import amino` work when pytest is run by hand (ctest sets PYTHONPATH itself)."""
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "pybind"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # tests/python helpers (deployment.py)
