# Sourced by .ci/run, scripts/test and scripts/stress: phases that print their times, and the
# installs they share. Not a program of its own.

# `phase NAME` ends the phase running now, noting its time, and starts NAME; `phase_report`
# ends the last one and prints every phase with its seconds.
PHASE_TIMES=()
PHASE_NAME=""
PHASE_START=$SECONDS
phase() {
    if [ -n "$PHASE_NAME" ]; then
        PHASE_TIMES+=("$(printf '%6d s  %s' $((SECONDS - PHASE_START)) "$PHASE_NAME")")
    fi
    PHASE_NAME=$1
    PHASE_START=$SECONDS
    if [ -n "$1" ]; then printf '\n== %s\n' "$1"; fi
}
phase_report() {
    phase ""
    printf '\n== time per phase (%s)\n' "$1"
    printf '%s\n' "${PHASE_TIMES[@]}"
    printf '%6d s  in all\n' "$SECONDS"
}

# Debian packages, with one `apt-get update` first.
apt_install() {
    if [ -z "${APT_UPDATED:-}" ]; then
        apt-get update -qq
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}
