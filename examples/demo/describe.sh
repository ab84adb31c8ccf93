#!/bin/sh
cat > /dev/null
cat <<'JSON'
{"components": [{"name": "web", "settings": [
  {"name": "cpu", "type": "range", "min": 0.25, "max": 4, "step": 0.25, "value": 1, "unit": "cores", "pinned": false},
  {"name": "replicas", "type": "range", "min": 1, "max": 10, "step": 1, "value": 2, "pinned": false}]}],
 "metrics": [{"name": "throughput", "unit": "rps"}, {"name": "latency_p99", "unit": "ms"}]}
JSON
