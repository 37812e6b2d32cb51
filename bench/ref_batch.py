#!/usr/bin/python3
# Needs Debian python3-requests (run with /usr/bin/python3).
"""The Python recipe for many files: synapse-sdk's batch_chunked_upload shape, a ThreadPoolExecutor of N
workers, each file uploaded with the calls create_chunked_upload makes (as ref_client.py beside it does
for one file). Usage: ref_batch.py BASE_URL TOKEN DIRECTORY [--workers N]. Prints one JSON line."""
import argparse
import hashlib
import json
import os
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

import requests

ap = argparse.ArgumentParser()
ap.add_argument("base")
ap.add_argument("token")
ap.add_argument("directory")
ap.add_argument("--workers", type=int, default=4)
ap.add_argument("--chunk-size", type=int, default=50 * 1024 * 1024)
a = ap.parse_args()

session = requests.Session()
session.headers["Synapse-Access-Token"] = f"Token {a.token}"
adapter = requests.adapters.HTTPAdapter(pool_connections=a.workers, pool_maxsize=a.workers)
session.mount("http://", adapter)


def upload(path):
    size = os.path.getsize(path)
    h = hashlib.md5()
    url = a.base.rstrip("/") + "/chunked_upload/"
    offset = 0
    with open(path, "rb") as f:
        while True:
            chunk = f.read(a.chunk_size)
            if not chunk:
                break
            h.update(chunk)
            r = session.put(url, data={"filename": os.path.basename(path)}, files={"file": ("chunk", chunk)},
                            headers={"Content-Range": f"bytes {offset}-{offset + len(chunk) - 1}/{size}"})
            r.raise_for_status()
            d = r.json()
            offset, url = d["offset"], d["url"]
    r = session.post(url, json={"md5": h.hexdigest()})
    r.raise_for_status()
    return r.json()["id"]


paths = [os.path.join(root, n) for root, _, names in os.walk(a.directory) for n in names]
t0 = time.time()
ok = failed = 0
with ThreadPoolExecutor(max_workers=a.workers) as pool:
    for fut in as_completed([pool.submit(upload, p) for p in paths]):
        try:
            fut.result()
            ok += 1
        except Exception:
            failed += 1
dt = time.time() - t0
print(json.dumps({"seconds": round(dt, 3), "files": ok, "failed": failed,
                  "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
sys.exit(1 if failed else 0)
