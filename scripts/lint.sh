#!/bin/sh
# lint.sh: refuse the calls this project bans (as curl's checksrc does):
# sprintf, strcat, strncat, gets, atoi; use snprintf, struct buf, strtol.
cd "$(dirname "$0")/.." || exit 2
bad=$(grep -nE '(^|[^a-z_])(sprintf|vsprintf|strcat|strncat|gets|atoi)[[:space:]]*\(' \
      $(git ls-files '*.c' '*.h' 2>/dev/null || find lib capture replay compare reports tests -name '*.[ch]') \
      2>/dev/null | grep -v 'lint: allow')
if [ -n "$bad" ]; then
    echo "lint: banned calls:" >&2
    echo "$bad" >&2
    exit 1
fi
echo "lint: 1 passed, 0 failed"
