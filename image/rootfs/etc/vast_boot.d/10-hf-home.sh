# Boot hook (sourced by bash before the built-in boot steps; exports reach /etc/environment and
# every service). Derived images add their own /etc/vast_boot.d/NN-<name>.sh the same way.
export HF_HOME="${HF_HOME:-${WORKSPACE:-/workspace}/.hf_home}"
mkdir -p "${HF_HOME}"
