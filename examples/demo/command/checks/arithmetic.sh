# Passes: the shell can still multiply.
[ $((6 * 7)) -eq 42 ]
