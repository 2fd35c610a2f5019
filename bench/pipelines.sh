#!/usr/bin/env bash
# The pipelines shown in README's "In pipelines", with the shipped model on data/examples.csv.
# Needs jq and Miller (mlr): apt-get install jq miller.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
echo '$ reviewcli predict -i data/examples.csv -f csv 2>/dev/null | mlr --icsv --opprint sort -nr score then cut -f id,stars,label,score'
reviewcli predict -i data/examples.csv -f csv 2>/dev/null | mlr --icsv --opprint sort -nr score then cut -f id,stars,label,score
echo
echo "\$ reviewcli predict -i data/examples.csv -f jsonl 2>/dev/null | jq -c 'select(.label == \"negative\") | {id, stars, score}'"
reviewcli predict -i data/examples.csv -f jsonl 2>/dev/null | jq -c 'select(.label == "negative") | {id, stars, score}'
echo
echo "\$ reviewcli predict -i data/examples.csv 2>/dev/null | awk -F'\\t' '\$4 != \"\" {n[\$4]++} END {for (l in n) print l, n[l]}' | sort"
reviewcli predict -i data/examples.csv 2>/dev/null | awk -F'\t' '$4 != "" {n[$4]++} END {for (l in n) print l, n[l]}' | sort
echo
echo '$ reviewcli predict -i data/examples.csv > /dev/null'
reviewcli predict -i data/examples.csv > /dev/null
