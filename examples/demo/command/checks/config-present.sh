# Passes: the demo's own runner is where it should be.
test -f run-checks.mjs || { echo "run-checks.mjs is missing"; exit 1; }
