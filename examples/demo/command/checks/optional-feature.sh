# Skipped (exit 77) unless FEATURE_X is set in the environment.
[ -n "$FEATURE_X" ] || { echo "FEATURE_X is not set"; exit 77; }
echo "feature x is on"
