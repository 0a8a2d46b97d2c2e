# Boot hook: a service that drops privileges (a `user=` line in its supervisor conf) cannot create its
# ANSI-free log in root-owned /var/log, so it is made for it here (instance-runtime.md §1.2, stage 11).
# Sourced: a function keeps the loop's variables out of the boot's environment.
make_service_logs() {
  local conf owner log
  for conf in /etc/supervisor/conf.d/*.conf; do
    owner="$(sed -n 's/^user=//p' "${conf}" | head -n 1)"
    [ -n "${owner}" ] || continue
    log="/var/log/$(basename "${conf}" .conf).log"
    touch "${log}" && chown "${owner}" "${log}"
  done
}
make_service_logs
unset -f make_service_logs
