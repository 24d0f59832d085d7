# Fails on purpose: the demo needs a failing check.
used=120
echo "checking quota..."
if [ "$used" -gt 100 ]; then
  echo "quota exceeded: ${used}% used" >&2
  exit 1
fi
