#!/bin/sh
# run.sh: mailcc's main job on the example in examples/: compile
# examples/sendmail.mc to sendmail.cf with mailcc's own m4, then show that
# GNU m4 with the cf library produces the same bytes; then lower it (with
# the tables beside it) into the typed IR with mailcc ir, and ask it what
# it decides for a few SMTP sessions with mailcc trace.
set -eu
MAILCC=${1:-bin/mailcc}
OUT=${CACHE:-.cache}/run
mkdir -p "$OUT" "$OUT/empty-root"

echo "== mailcc examples/sendmail.mc -o $OUT/sendmail.cf"
"$MAILCC" examples/sendmail.mc -o "$OUT/sendmail.cf"
lines=$(wc -l < "$OUT/sendmail.cf")
echo "   wrote $OUT/sendmail.cf ($lines lines); its head:"
sed -n '1,24p' "$OUT/sendmail.cf" | sed 's/^/   | /'

if command -v m4 >/dev/null 2>&1; then
    m4 examples/sendmail.mc > "$OUT/sendmail.gnu-m4.cf" 2>/dev/null
    # the build lines hold the time and the directory: leave them out
    strip() { grep -v -e '^##### built by ' -e '^##### in ' "$1"; }
    strip "$OUT/sendmail.cf" > "$OUT/a"
    strip "$OUT/sendmail.gnu-m4.cf" > "$OUT/b"
    if cmp -s "$OUT/a" "$OUT/b"; then
        echo "== identical to GNU m4's output (but for the build date and directory lines)"
    else
        echo "== DIFFERS from GNU m4's output:"
        diff "$OUT/b" "$OUT/a" | head -20
        exit 1
    fi
    rm -f "$OUT/a" "$OUT/b"
fi

echo "== where lines came from (mailcc --origins), a sample:"
"$MAILCC" examples/sendmail.mc -o "$OUT/sendmail.cf" --origins "$OUT/sendmail.cf.origins"
echo "   (.cf line, the .mc line it came from, the chain of calls)"
grep -m 3 -e 'FEATURE at' "$OUT/sendmail.cf.origins" | sed 's/^/   /' || true

echo "== mailcc ir examples/sendmail.mc: the typed model, a sample (policy at RCPT)"
"$MAILCC" ir --root examples examples/sendmail.mc > "$OUT/ir.yaml" 2> "$OUT/ir.diagnostics" || true
echo "   wrote $OUT/ir.yaml ($(wc -l < "$OUT/ir.yaml") lines); problems found: $(grep -c ': error:' "$OUT/ir.diagnostics" || true) errors, $(grep -c ': warning:' "$OUT/ir.diagnostics" || true) warnings"
awk '/^  stages:/{p=1} p&&/stage: rcpt/{q=1} q{print; n++} n>=24{exit}' "$OUT/ir.yaml" | sed 's/^/   | /'
"$MAILCC" ir --stats --root examples examples/sendmail.mc 2>/dev/null | sed 's/^/   /' || true

echo "== mailcc trace: what the server decides for a session, and why"
"$MAILCC" trace --root "$OUT/empty-root" --hostname mail.example.com --hosts examples/hosts examples/sendmail.mc \
    --client 192.0.2.9 --from friend@partner.example \
    --to postmaster@example.com --to someone@elsewhere.example --to user@partner.example 2>/dev/null | sed 's/^/   /'
"$MAILCC" trace --root "$OUT/empty-root" --hostname mail.example.com --hosts examples/hosts examples/sendmail.mc \
    --client 203.0.113.66 2>/dev/null | sed 's/^/   /'
"$MAILCC" trace --root "$OUT/empty-root" --hostname mail.example.com --hosts examples/hosts examples/sendmail.mc \
    --client 192.168.10.20 --from spammer@bad.example --to x@elsewhere.example 2>/dev/null | sed 's/^/   /'

echo "== mailcc migrate sendmail-to-postfix: the example as a Postfix configuration, and what is not exact"
rm -rf "$OUT/postfix"
st=0
"$MAILCC" migrate sendmail-to-postfix --root "$OUT/empty-root" --from examples --to "$OUT/postfix" --makemaps \
    > "$OUT/migrate.report" 2> "$OUT/migrate.stderr" || st=$?
if [ "$st" -ne 0 ] && [ "$st" -ne 3 ]; then
    cat "$OUT/migrate.stderr"
    exit 1
fi
echo "   wrote $OUT/postfix: $(ls "$OUT/postfix" | tr '\n' ' ')"
echo "   exit status $st (3: something is approximate or not expressible); the report's first items:"
sed -n '1,12p' "$OUT/migrate.report" | sed 's/^/   | /'
echo "   ... $(grep -c ': exact:' "$OUT/migrate.report" || true) exact, $(grep -c ': approximate' "$OUT/migrate.report" || true) approximate, $(grep -c ': not-expressible' "$OUT/migrate.report" || true) not expressible"
if command -v postconf >/dev/null 2>&1; then
    echo "== postconf -n -c $OUT/postfix (the real Postfix reads it; warnings would show here)"
    postconf -n -c "$OUT/postfix" | sed -n '1,12p' | sed 's/^/   | /'
fi

echo "== mailcc migrate postfix-to-sendmail: and back to a sendmail.mc"
rm -rf "$OUT/sendmail-again"
st=0
"$MAILCC" migrate postfix-to-sendmail --from "$OUT/postfix" --to "$OUT/sendmail-again" \
    > "$OUT/migrate-back.report" 2> "$OUT/migrate-back.stderr" || st=$?
if [ "$st" -ne 0 ] && [ "$st" -ne 3 ]; then
    cat "$OUT/migrate-back.stderr"
    exit 1
fi
"$MAILCC" "$OUT/sendmail-again/sendmail.mc" -o "$OUT/sendmail-again/sendmail.cf"
echo "   wrote $OUT/sendmail-again: $(ls "$OUT/sendmail-again" | tr '\n' ' ')"
grep -v '^dnl' "$OUT/sendmail-again/sendmail.mc" | sed -n '1,14p' | sed 's/^/   | /'
