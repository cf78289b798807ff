#!/bin/sh
# The Owner tag of every account with the AWS CLI in a shell loop, as users
# write it.  $1: endpoint URL; $2 (optional): stop after that many accounts
# (the CLI starts a Python interpreter per call: a full run is long).
url=$1
max=${2:-0}
n=0
for id in $(aws organizations list-accounts --endpoint-url "$url" \
		--query 'Accounts[].Id' --output text); do
	owner=$(aws organizations list-tags-for-resource --endpoint-url "$url" \
		--resource-id "$id" --query "Tags[?Key=='Owner'].Value" --output text)
	printf '%s\t%s\n' "$id" "$owner"
	n=$((n + 1))
	[ "$max" -gt 0 ] && [ "$n" -ge "$max" ] && break
done
