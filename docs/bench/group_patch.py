#!/usr/bin/env python3
"""Times PATCH /Groups/{id} requests that add many members at once.

Creates N users on a running server, then, K times, creates a group and adds all
N users to it in one PATCH, printing each PATCH's wall time. Standard library
only. Used for the group figures in docs/benchmarks.md:

    python3 docs/bench/group_patch.py http://127.0.0.1:8080/scim/v2/default TOKEN --users 200
"""
import argparse
import json
import time
import urllib.request


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url", help="the tenant's SCIM base URL")
    parser.add_argument("token", help="the tenant's bearer token")
    parser.add_argument("--users", type=int, default=200, help="members per PATCH")
    parser.add_argument("--runs", type=int, default=5, help="groups (PATCHes) to time")
    args = parser.parse_args()

    def call(method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            args.base_url + path,
            method=method,
            data=data,
            headers={
                "Authorization": "Bearer " + args.token,
                "Content-Type": "application/scim+json",
            },
        )
        with urllib.request.urlopen(request) as response:
            text = response.read()
            return json.loads(text) if text else None

    stamp = int(time.time())
    users = [
        call("POST", "/Users", {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": f"member{stamp}-{i}@example.com",
            "active": True,
        })["id"]
        for i in range(args.users)
    ]
    timings = []
    for run in range(args.runs):
        group = call("POST", "/Groups", {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": f"Bench group {stamp}-{run}",
        })["id"]
        started = time.perf_counter()
        call("PATCH", f"/Groups/{group}", {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{
                "op": "add",
                "path": "members",
                "value": [{"value": user} for user in users],
            }],
        })
        timings.append((time.perf_counter() - started) * 1000)
    print(f"add {args.users} members in one PATCH, ms:",
          " ".join(f"{t:.1f}" for t in timings))


if __name__ == "__main__":
    main()
