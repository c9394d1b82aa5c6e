#!/bin/sh
# layers.sh: checks from the object files which way calls go between the source files: no call from a lower layer to a higher one, no two files calling each other in a loop.
#
# Usage: tools/layers.sh [BUILD_DIR]   (after `make`; default build)
#
# A call is an undefined symbol of one object that another object
# defines (nm).  Layers, from the top: vkernel/main.c, vkernel/trap.c,
# vkernel/sys/, vkernel/kern/, vkernel/vmem/ and vkernel/cpu/, kshim/.
# Prints every call that runs up a layer and every loop of files, with
# the names that tie them, and exits 1 if there is any; else one line.
build=${1:-build}
cd "$build/obj" || { echo "layers: no $build/obj (run make first)" >&2; exit 2; }
for o in $(find vkernel kshim -name '*.o' | sort); do
	nm "$o" | awk -v o="$o" '
		NF == 3 && $2 ~ /^[TDBRC]$/ { print "D", o, $3 }
		NF == 2 && $1 == "U" { print "U", o, $2 }'
done | python3 -c '
import sys, collections
defs, uses = {}, collections.defaultdict(set)
for line in sys.stdin:
    k, o, s = line.split()
    if k == "D": defs[s] = o
    else: uses[o].add(s)
def layer(o):
    for pre, n in (("kshim/", 1), ("vkernel/vmem/", 2), ("vkernel/cpu/", 2),
                   ("vkernel/kern/", 3), ("vkernel/sys/", 4),
                   ("vkernel/trap.o", 5), ("vkernel/main.o", 6)):
        if o.startswith(pre): return n
    return 0
edges, names = collections.defaultdict(set), collections.defaultdict(set)
for o, ss in uses.items():
    for s in ss:
        d = defs.get(s)
        if d and d != o:
            edges[o].add(d); names[(o, d)].add(s)
bad = 0
src = lambda o: o[:-2] + (".S" if o.endswith("tramp.o") else ".c")
for a in sorted(edges):
    for b in sorted(edges[a]):
        if layer(b) > layer(a):
            bad += 1
            print("up: %s -> %s: %s" % (src(a), src(b), " ".join(sorted(names[(a, b)]))))
index, low, stack, on, n = {}, {}, [], set(), [0]
sys.setrecursionlimit(100000)
def visit(v):
    index[v] = low[v] = n[0]; n[0] += 1; stack.append(v); on.add(v)
    for w in edges.get(v, ()):
        if w not in index: visit(w); low[v] = min(low[v], low[w])
        elif w in on: low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v: break
        if len(comp) > 1:
            global bad
            bad += 1
            print("loop: " + " ".join(src(c) for c in sorted(comp)))
            for a in sorted(comp):
                for b in sorted(edges[a]):
                    if b in comp:
                        print("  %s -> %s: %s" % (src(a), src(b), " ".join(sorted(names[(a, b)]))))
for v in sorted(uses):
    if v not in index: visit(v)
files = len(uses)
if bad:
    print("layers: %d problem(s) in %d files" % (bad, files)); sys.exit(1)
print("layers: %d files, no call up a layer, no loop" % files)
'
