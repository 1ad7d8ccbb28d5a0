#!/usr/bin/env python3
"""Execute a notebook headless: python3 notebooks/run_notebook.py RUN_DIR [NOTEBOOK].

Sets FRAMEWATCH_RUN=RUN_DIR, runs every cell, and fails on the first error.
Needs: pip install polars matplotlib nbclient nbformat ipykernel
"""
import os, sys
import nbformat
from nbclient import NotebookClient

here = os.path.dirname(os.path.abspath(__file__))
run_dir = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(here, "..", "out")
notebook = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "trends.ipynb")
os.environ["FRAMEWATCH_RUN"] = run_dir
os.environ.setdefault("MPLBACKEND", "Agg")
nb = nbformat.read(notebook, as_version=4)
NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": here}}).execute()
print(f"{os.path.basename(notebook)}: {sum(c.cell_type == 'code' for c in nb.cells)} code cells ran on {run_dir}")
