/** Syncthing fault injection shared by the image tests that boot Syncthing again and again. */

/** While this file exists, the next listen-address settings call is refused once (see REFUSING_CURL); owned by `user`. */
export const REFUSE_NEXT_OPTIONS = "/tmp/syncthing-refuse-next-options";

/**
 * A curl in front of the real one (/usr/local/bin comes first on PATH) that refuses the next settings
 * call for the listen addresses once, as Syncthing does while it restarts its GUI listener after the
 * GUI change just before: "could not connect" (issue 11). The marker belongs to `user`, who runs the wrapper.
 */
export const REFUSING_CURL = `cat > /usr/local/bin/curl <<'EOF'
#!/bin/bash
if [[ " $* " == *" PATCH "* && "$*" == */rest/config/options* ]] && rm ${REFUSE_NEXT_OPTIONS} 2>/dev/null; then
  echo "curl: (7) Failed to connect to 127.0.0.1 port 18384: Connection refused" >&2
  exit 7
fi
exec /usr/bin/curl "$@"
EOF
chmod 0755 /usr/local/bin/curl`;
