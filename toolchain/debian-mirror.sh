#!/usr/bin/env bash
# Prints the Debian mirror this machine's apt uses: the first URI that serves `bookworm` `main`
# (a local mirror or a caching proxy such as apt-cacher-ng, when one is configured), so
# debootstrap (toolchain/docker.sh) fetches from the same place as apt. Reads one-line sources
# (sources.list, *.list) and deb822 sources (*.sources) in apt's order, or the FILEs given;
# falls back to http://deb.debian.org/debian when none matches.
#   debian-mirror.sh [FILE ...]
set -euo pipefail

if [ "$#" -eq 0 ]; then
  shopt -s nullglob
  set -- /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources
  # apt reads sources.list first, then sources.list.d/ by file name, both formats interleaved.
  mapfile -t rest < <(printf '%s\n' "${@:2}" | sort)
  set -- "$1" "${rest[@]}"
fi

mirror=""
for file in "$@"; do
  [ -r "${file}" ] || continue
  case "${file}" in
    *.sources) format=deb822 ;;
    *) format=oneline ;;
  esac
  mirror=$(awk -v format="${format}" '
    function has(list, word,   n, i, items) {
      n = split(list, items, /[ \t]+/)
      for (i = 1; i <= n; i++) if (items[i] == word) return 1
      return 0
    }
    function usable(uri) { return uri ~ /^(https?|file):\/\// }
    # deb822: one paragraph per source; fields may continue on lines that start with a blank.
    function paragraph(   n, i, uris) {
      if (tolower(f["enabled"]) != "no" && has(f["types"], "deb") && has(f["suites"], "bookworm") && has(f["components"], "main")) {
        n = split(f["uris"], uris, /[ \t]+/)
        for (i = 1; i <= n; i++) if (usable(uris[i])) { print uris[i]; found = 1; exit }
      }
      delete f
    }
    format == "oneline" {
      sub(/#.*/, "")
      if ($1 != "deb") next
      i = 2
      if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
      uri = $i; suite = $(i + 1)
      for (j = i + 2; j <= NF; j++) if ($j == "main" && suite == "bookworm" && usable(uri)) { print uri; found = 1; exit }
      next
    }
    /^#/ { next }
    /^[ \t]*$/ { paragraph(); next }
    /^[ \t]/ { f[key] = f[key] " " $0; next }
    {
      key = tolower(substr($0, 1, index($0, ":") - 1))
      f[key] = substr($0, index($0, ":") + 1)
      gsub(/^[ \t]+|[ \t]+$/, "", f[key])
    }
    END { if (format == "deb822" && !found) paragraph() }
  ' "${file}")
  [ -n "${mirror}" ] && break
done
echo "${mirror:-http://deb.debian.org/debian}"
