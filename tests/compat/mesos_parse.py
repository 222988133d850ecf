#!/usr/bin/env python3
"""Strictly parses each entry's "statistics" of a statistics.json answer
(stdin) into mesos.ResourceStatistics, as Mesos' own protobuf JSON parser
does: an unknown field, a wrong type or a missing required field fails.
argv[1]: the directory holding protoc's mesos_statistics_pb2.py.
Prints one line per entry ("ok ID" or "bad ID: why"); exit 1 on any bad."""
import json
import sys

sys.path.insert(0, sys.argv[1])
from google.protobuf import json_format  # noqa: E402
import mesos_statistics_pb2 as pb  # noqa: E402

entries = json.load(sys.stdin)
bad = 0
for e in entries:
    msg = pb.ResourceStatistics()
    try:
        json_format.Parse(json.dumps(e["statistics"]), msg, ignore_unknown_fields=False)
        missing = msg.FindInitializationErrors()
        if missing:
            raise ValueError("required fields missing: " + ", ".join(missing))
        print("ok", e["container_id"], len(msg.ListFields()), "fields")
    except Exception as x:  # noqa: BLE001 - any refusal is the finding
        bad += 1
        print("bad", e.get("container_id"), ":", str(x).replace("\n", " "))
sys.exit(1 if bad or not entries else 0)
