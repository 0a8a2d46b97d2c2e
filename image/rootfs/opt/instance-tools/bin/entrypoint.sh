#!/bin/sh
# Container entrypoint (also the name Vast templates call from onstart in SSH/Jupyter launch modes).
# The boot sequence is TypeScript: portal/entrypoint/, bundled with the portal into main.js.
exec /opt/portal/node/bin/node /opt/portal/main.js boot "$@"
