#!/bin/sh
# Answers the adjust event. It records that it ran, so the demo can show that a
# cancelled adjustment never reached it.
params=$(cat)
echo "$params" >> "${ADJUST_LOG:-adjust.log}"
exec ./describe.sh < /dev/null
