#!/usr/bin/env python3
"""Times rule saves that change the role of every user of a tenant.

Creates N users through SCIM, then saves the tenant's rules with another default
role through the admin API (every user changes role), and back, K times each,
printing each save's wall time. The server needs an admin token
(SCIM_ADMIN_TOKEN). Standard library only. Used for docs/benchmarks.md:

    python3 docs/bench/rules_save.py http://127.0.0.1:8080 default SCIM_TOKEN ADMIN_TOKEN --users 2000
"""
import argparse
import json
import time
import urllib.request


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("server", help="the server's base URL, e.g. http://127.0.0.1:8080")
    parser.add_argument("tenant", help="the tenant's slug")
    parser.add_argument("scim_token", help="the tenant's bearer token")
    parser.add_argument("admin_token", help="the operator token")
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=2, help="saves in each direction")
    args = parser.parse_args()

    def call(method, url, token, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, method=method, data=data, headers={
            "Authorization": "Bearer " + token,
            "Content-Type": "application/json",
        })
        with urllib.request.urlopen(request) as response:
            text = response.read()
            return json.loads(text) if text else None

    scim = f"{args.server}/scim/v2/{args.tenant}"
    admin = f"{args.server}/admin/v1/tenants/{args.tenant}"
    stamp = int(time.time())
    for i in range(args.users):
        call("POST", scim + "/Users", args.scim_token, {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": f"ruled{stamp}-{i}@example.com",
            "active": True,
        })
    rules = call("GET", admin + "/rules", args.admin_token)
    roles = [r["name"] for r in call("GET", admin + "/catalogue", args.admin_token)["roles"]]
    first = rules["default_role"]
    other = next(r for r in roles if r not in (first, "Disabled"))
    timings = []
    for _ in range(args.runs):
        for role in (other, first):
            started = time.perf_counter()
            saved = call("PUT", admin + "/rules", args.admin_token, {**rules, "default_role": role})
            timings.append((time.perf_counter() - started) * 1000)
            assert saved["saved"], saved
    print(f"rule saves changing {args.users} users' roles, ms:",
          " ".join(f"{t:.0f}" for t in timings))


if __name__ == "__main__":
    main()
