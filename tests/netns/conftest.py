"""Makes the helpers of this folder importable when pytest is run by hand (ctest runs the same)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
