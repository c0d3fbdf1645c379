#!/bin/sh
# The long budget of the hostile-input checks: many races of two runs into one folder,
# and a long fuzz of every reader.  The default test run does a few of each.
#
#   scripts/long_checks.sh [FUZZ_EXAMPLES] [RACES]     (defaults: 2000 and 20)
#
# Hypothesis prints, per test, how many inputs it tried (--hypothesis-show-statistics).
set -e
cd "$(dirname "$0")/.."
NIANBAO_LONG=1 NIANBAO_FUZZ_EXAMPLES="${1:-2000}" NIANBAO_RACES="${2:-20}" \
    python -m pytest -q -p no:cacheprovider --hypothesis-show-statistics \
    tests/test_fuzz_readers.py "tests/test_hostile_inputs.py::test_two_runs_into_one_folder_many_times"
