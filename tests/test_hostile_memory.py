"""Every hostile input finishes with its status inside a bounded address space: a reader that
lets a small file multiply into gigabytes fails here by dying, not by a slow machine.

The corpus (tests/hostile) is read in one child process whose address space is limited to
1 GiB (RLIMIT_AS, which counts every mapping, so it bounds peak memory from above). The child
says which case it starts before reading it, so a death names its case."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.hostile.build import cases

ADDRESS_SPACE = 1024**3
# Far above any legitimate reading (milliseconds to a few seconds); a budget that does not
# bind shows up as minutes.
MAX_SECONDS = 60.0

CHILD = r"""
import json, resource, sys, time
from pathlib import Path

limit = int(sys.argv[2])
# The readers' libraries are loaded first, as in a crawl's worker (crawler/workers.py).
from pipelines.extract import extract_document
import pipelines.documents.docx, pipelines.documents.html, pipelines.documents.pdf  # noqa
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
for path in sorted(Path(sys.argv[1]).iterdir()):
    print(json.dumps({"start": path.name}), flush=True)
    data = path.read_bytes()
    t = time.monotonic()
    result = extract_document(data)
    del data
    print(json.dumps({"name": path.name, "status": result.status, "message": result.message,
                      "seconds": time.monotonic() - t,
                      "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), flush=True)
"""


def test_every_hostile_case_finishes_with_its_status_in_one_gib(tmp_path):
    corpus = cases()
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, (data, _) in corpus.items():
        (folder / name).write_bytes(data)
    proc = subprocess.run([sys.executable, "-c", CHILD, str(folder), str(ADDRESS_SPACE)],
                          capture_output=True, text=True, timeout=1800, cwd=Path(__file__).parents[1])
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    started = [x["start"] for x in lines if "start" in x]
    results = {x["name"]: x for x in lines if "name" in x}
    assert proc.returncode == 0 and len(results) == len(corpus), (
        f"the reader died on {started[-1] if started else '?'} (exit {proc.returncode}): {proc.stderr[-1500:]}")
    wrong = {n: (r["status"], r["message"]) for n, r in results.items() if r["status"] not in corpus[n][1]["status"]}
    assert not wrong
    slow = {n: round(r["seconds"], 1) for n, r in results.items()
            if r["seconds"] > corpus[n][1].get("max_seconds", MAX_SECONDS)}
    assert not slow
