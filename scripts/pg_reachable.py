"""Exit 0 when the PostgreSQL server in the URL accepts a connection, 1 otherwise."""

import sys

import psycopg

url = sys.argv[1]
try:
    # Connect to the maintenance database: the test database itself may not exist yet.
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=5):
        pass
except psycopg.Error as exc:
    print(f"PostgreSQL unreachable: {exc}", file=sys.stderr)
    sys.exit(1)
