#!/usr/bin/python3
# Needs Debian python3-requests (run with /usr/bin/python3; the benchmark checks for it and installs nothing).
"""The Python SDK's way of uploading one file, as synapse-sdk's CoreClientMixin.create_chunked_upload does it:
requests, chunks of 50 MiB read whole into memory, the MD5 updated per chunk, each chunk a multipart PUT
('filename' field, then the 'file' part named 'chunk') with Content-Range, the next PUT going to the url the
server answered, and a POST of the MD5 at the end. Usage: ref_client.py BASE_URL TOKEN FILE [--chunk-size N].
Prints one JSON line: the upload's id, the MD5 sent and the wall seconds."""
import argparse
import hashlib
import json
import os
import sys
import time

import requests

parser = argparse.ArgumentParser()
parser.add_argument("base")
parser.add_argument("token")
parser.add_argument("file")
parser.add_argument("--chunk-size", type=int, default=50 * 1024 * 1024)
args = parser.parse_args()

size = os.path.getsize(args.file)
session = requests.Session()
session.headers["Synapse-Access-Token"] = f"Token {args.token}"
digest = hashlib.md5()
url = args.base.rstrip("/") + "/chunked_upload/"
start = 0
began = time.time()
with open(args.file, "rb") as source:
    while True:
        chunk = source.read(args.chunk_size)
        if not chunk:
            break
        digest.update(chunk)
        end = start + len(chunk) - 1
        reply = session.put(url, data={"filename": os.path.basename(args.file)}, files={"file": ("chunk", chunk)},
                            headers={"Content-Range": f"bytes {start}-{end}/{size}"})
        if reply.status_code >= 400:
            sys.exit(f"PUT answered {reply.status_code}: {reply.text}")
        record = reply.json()
        start, url = record["offset"], record["url"]
reply = session.post(url, json={"md5": digest.hexdigest()})
if reply.status_code >= 400:
    sys.exit(f"POST answered {reply.status_code}: {reply.text}")
print(json.dumps({"id": reply.json()["id"], "md5": digest.hexdigest(), "seconds": round(time.time() - began, 3)}))
