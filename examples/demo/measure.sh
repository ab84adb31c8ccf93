#!/bin/sh
# Answers the measure event: the parameters arrive as JSON on stdin.
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
cat > /dev/null
cat <<JSON
{"readings": [
  {"metric": {"name": "throughput", "unit": "rps"}, "time": "$now", "value": 1234.5},
  {"metric": {"name": "latency_p99", "unit": "ms"}, "time": "$now", "value": 87}
], "annotations": {"source": "demo"}}
JSON
