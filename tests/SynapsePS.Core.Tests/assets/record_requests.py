"""Records the two requests of a chunked upload as Python requests prepares them (nothing is sent).

Run from this folder with python3 and requests 2.x:  python3 record_requests.py
It writes, for the first chunk PUT and for the finish POST, the exact body (*.body) and the headers
(*.headers.json), which ProtocolTests compares byte for byte with what SynapsePS sends (the multipart
boundary aside). The requests mirror synapse-sdk: a chunk is data={'filename': name} plus
files={'file': ('chunk', bytes)}, and a request without files is sent as JSON (Content-Type:
application/json, body json.dumps(data)).
"""
import hashlib
import json
import pathlib

import requests

HERE = pathlib.Path(__file__).resolve().parent

# The same values ProtocolTests uses: a non-ASCII name, bytes that look like multipart syntax, all four tokens.
BASE = 'http://127.0.0.1:8000/api/'
NAME = '데이터셋 [1].zip'
CHUNK = b'hello\r\n--not-a-boundary\r\n\x00\xff\xfe bytes'
AUTH = {
    'Synapse-Access-Token': 'Token access-secret',
    'Authorization': 'Token auth-secret',
    'Synapse-Tenant': 'Token acme',
    'SYNAPSE-Agent': 'Token agent-secret',
}


def record(stem, prepared):
    body = prepared.body if isinstance(prepared.body, bytes) else prepared.body.encode('utf-8')
    (HERE / f'{stem}.body').write_bytes(body)
    headers = dict(prepared.headers)
    (HERE / f'{stem}.headers.json').write_text(json.dumps(headers, indent=2, ensure_ascii=False) + '\n', encoding='utf-8')


put = requests.Request(
    'PUT', BASE + 'chunked_upload/',
    data={'filename': NAME},
    files={'file': ('chunk', CHUNK)},
    headers={**AUTH, 'Content-Range': f'bytes 0-{len(CHUNK) - 1}/{len(CHUNK)}'},
).prepare()
record('python-chunk-put', put)

finish = requests.Request(
    'POST', BASE + 'chunked_upload/1/',
    data=json.dumps({'md5': hashlib.md5(CHUNK).hexdigest()}),
    headers={**AUTH, 'Content-Type': 'application/json'},
).prepare()
record('python-finish-post', finish)

(HERE / 'python-requests.version').write_text(requests.__version__ + '\n', encoding='ascii')
