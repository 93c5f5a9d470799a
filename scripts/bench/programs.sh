#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Real programs for the userspace benchmark, each reading fixed input and
# printing a result that must be the same under every allocator.
#
#   programs.sh list              the program workloads, one per line
#   programs.sh prepare DIR       generate their inputs in DIR (once)
#   programs.sh run NAME DIR [SMALL]  run one; stdout is its result
#
# The allocator comes from the caller's LD_PRELOAD; each program's own
# children (git's, gcc's cc1) inherit it.  Each takes a second or a few
# under glibc on a quiet core (about 12 s for all of them: make bench runs
# them 25 times); SMALL=1 is make check's smoke size: a few seconds for
# all of them together.
set -euo pipefail

list() {
	echo sqlite3 python3 git xz gcc
	command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null && echo redis
	return 0
}

prepare() {
	local d=$1 small=${2:-0} n=200000
	((small)) && n=2000
	mkdir -p "$d"
	# sqlite3: inserts, an index, joins and aggregates.
	cat >"$d/sqlite.sql" <<SQL
CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT, v BLOB, n INTEGER);
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $n)
  INSERT INTO t SELECT i, printf('key-%08d', i * 7919 % $n), zeroblob(100 + i % 300), i % 97 FROM c;
CREATE INDEX t_k ON t(k);
CREATE TABLE u AS SELECT n, count(*) AS c, sum(length(v)) AS s FROM t GROUP BY n;
SELECT count(*), sum(c), sum(s) FROM u;
SELECT k FROM t WHERE k > 'key-0000500' ORDER BY k LIMIT 3;
UPDATE t SET v = zeroblob(50) WHERE id % 3 = 0;
DELETE FROM t WHERE id % 5 = 0;
VACUUM;
SELECT count(*), sum(length(v)) FROM t;
PRAGMA integrity_check;
SQL
	# python3: dicts, strings and lists, as a script-heavy program.
	cat >"$d/work.py" <<PY
import hashlib, json
n = $n
d = {}
for i in range(n):
    d['k%d' % (i * 7919 % n)] = [str(i) * (i % 7 + 1), {'i': i, 's': 'x' * (i % 50)}]
s = json.dumps(d, sort_keys=True)
back = json.loads(s)
words = ' '.join(k for k in sorted(back) if k.endswith('7')).split()
counts = {}
for w in words:
    counts[w[:3]] = counts.get(w[:3], 0) + 1
print(len(back), len(words), sorted(counts.items())[:3])
print(hashlib.sha256(s.encode()).hexdigest())
PY
	# xz: a compressible but not trivial input (an eighth of n lines, a
	# second or two of xz -6: its time is compression, not malloc).
	python3 - "$d/xz.in" $((n / 8)) <<'PY'
import random, sys
r = random.Random(1)
words = [''.join(r.choice('abcdefghijklmnop') for _ in range(r.randint(2, 9))) for _ in range(5000)]
with open(sys.argv[1], 'w') as f:
    for i in range(int(sys.argv[2])):
        f.write(' '.join(r.choice(words) for _ in range(8)) + '\n')
PY
	# gcc: libarenalloc's own sources, one cc1 per file.
	mkdir -p "$d/gcc/userspace"
	cp -r "$ROOT/userspace/src" "$ROOT/userspace/include" "$d/gcc/userspace/"
	cp -r "$ROOT/common" "$ROOT/include" "$d/gcc/"
}

run() {
	local name=$1 d=$2 small=${3:-0}
	case $name in
	sqlite3)
		sqlite3 :memory: <"$d/sqlite.sql"
		;;
	python3)
		/usr/bin/python3 "$d/work.py"
		;;
	xz)
		xz -6 -T1 -c "$d/xz.in" | sha256sum
		;;
	git)
		# A repository of generated history, then a full gc.
		local g
		g=$(mktemp -d)
		(
			cd "$g"
			export GIT_AUTHOR_DATE='2026-01-01T00:00:00Z' GIT_COMMITTER_DATE='2026-01-01T00:00:00Z'
			export GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@b GIT_COMMITTER_NAME=b GIT_COMMITTER_EMAIL=b@b
			git init -q -b main .
			# gc --aggressive grows faster than the history: 8 commits
			# are about 4 s, 30 were 20 s.
			local c files=40 commits=8
			((small)) && commits=3
			for ((c = 0; c < commits; c++)); do
				for ((f = 0; f < files; f++)); do
					head -c $(((f + 1) * 2000)) "$d/xz.in" | sed "s/a/$c/g" >"f$f.txt"
				done
				git add -A && git commit -q -m "c$c"
			done
			git gc -q --aggressive
			git rev-parse HEAD
			git count-objects -v | grep -E '^(count|in-pack)'
		)
		rm -rf "$g"
		;;
	gcc)
		local o src=("$d"/gcc/userspace/src/*.c)
		((small)) && src=("${src[0]}")
		o=$(mktemp -d)
		(cd "$o" && gcc -O2 -std=gnu11 -D_GNU_SOURCE -I"$d/gcc/common" \
			-I"$d/gcc/include/uapi" -I"$d/gcc/userspace/include" -c "${src[@]}" && cat ./*.o | sha256sum)
		rm -rf "$o"
		;;
	redis)
		# redis-server preloaded; the clients are not.  The server must
		# be ours (INFO names its pid: a port another process holds
		# makes ours exit, and the clients would talk to that one), up
		# within 30 s, else another port; the clients are bounded.
		local port n=200000 pid='' try
		((small)) && n=2000
		for try in 1 2 3 4 5; do
			port=$((20000 + RANDOM % 20000))
			redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
				--daemonize no >/dev/null 2>&1 &
			pid=$!
			for _ in $(seq 300); do
				LD_PRELOAD='' redis-cli -p "$port" info server 2>/dev/null |
					grep -q "^process_id:$pid" && break 2
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
			kill "$pid" 2>/dev/null || :
			wait "$pid" 2>/dev/null || :
			pid=''
			echo "redis-server did not start on port $port (try $try)" >&2
		done
		[[ -n $pid ]] || return 1
		LD_PRELOAD='' timeout 300 redis-benchmark -p "$port" -q -n "$n" -r 100000 -d 256 -P 16 \
			-t set,get,lpush,lpop >/dev/null
		LD_PRELOAD='' timeout 10 redis-cli -p "$port" set check ok >/dev/null
		LD_PRELOAD='' timeout 10 redis-cli -p "$port" get check
		LD_PRELOAD='' timeout 10 redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || :
		wait "$pid" 2>/dev/null || :
		;;
	*)
		echo "unknown program workload $name" >&2
		return 2
		;;
	esac
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cmd=${1:-}
shift || :
case $cmd in
list) list ;;
prepare) prepare "$@" ;;
run) run "$@" ;;
*) echo "usage: $0 list | prepare DIR [SMALL] | run NAME DIR [SMALL]" >&2; exit 2 ;;
esac
