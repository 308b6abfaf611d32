# Sourced by the client launchers (lanyard, lanyard-cni) after they set NAME, MAIN and HOME_DIR:
# runs MAIN from the client jars (an installed distribution's lib/cli, or a checkout's
# tools/target/lib) with "$@".
#
# A JVM spends most of a short command loading classes, so the first run records the classes it
# loaded in a CDS archive beside the jars (where it may write: otherwise it runs without one), and later runs map it (about 40 % faster). The
# archive is named after the jar's build time, so a rebuild makes a fresh one. A launcher sets
# NO_ARCHIVE for a run that loads too little to be worth recording (help, CNI's VERSION).
# an installed distribution (bin/ beside lib/cli) or a checkout (tools/bin beside tools/target/lib)
if [ -d "$HOME_DIR/lib/cli" ]; then
  LIB="$HOME_DIR/lib/cli"
  CACHE="$LIB"
else
  LIB="$HOME_DIR/target/lib"
  CACHE="$HOME_DIR/target"
fi
if [ ! -d "$LIB" ]; then
  echo "$(basename "$0"): not built yet; run: mvn -q package -DskipTests" >&2
  exit 1
fi
JAVA=${JAVA:-java}
set -- -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xlog:cds=off -Xlog:cds+dynamic=off $LANYARD_CLI_OPTS \
  --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp "$LIB/*" "$MAIN" "$@"
JSA="$CACHE/$NAME-$(stat -c %Y "$LIB"/lanyard-tools-*.jar 2>/dev/null | head -1).jsa"
if [ -f "$JSA" ]; then
  exec "$JAVA" -XX:SharedArchiveFile="$JSA" -Xshare:auto "$@"
fi
if [ -z "${NO_ARCHIVE:-}" ] && mkdir "$JSA.lock" 2>/dev/null; then
  status=0
  "$JAVA" -XX:ArchiveClassesAtExit="$JSA.tmp" "$@" || status=$?
  if [ -f "$JSA.tmp" ]; then
    mv -f "$JSA.tmp" "$JSA"
    # the archives of earlier builds are of no use any more
    for old in "$CACHE/$NAME"-*.jsa; do [ "$old" = "$JSA" ] || rm -f "$old"; done
  fi
  rmdir "$JSA.lock"
  exit $status
fi
exec "$JAVA" "$@"
