#!/usr/bin/env python3
"""Self (exclusive) instruction counts per function from a callgrind dump, JIT code named.

callgrind names V8's generated code by address; with the server started under
`node --perf-basic-prof` (callgrind-path.js --perf-map), /tmp/perf-<pid>.map names it. Prints the
top functions and a per-layer sum (JS by source file, V8 builtins, Node C++, libuv, libc, kernel
entry stubs). Usage: callgrind-self.py DUMP [--top 40] [--per N] [--map FILE]
"""
import bisect, re, sys, os
from collections import defaultdict

def parse(path):
    names = {'fn': {}, 'ob': {}, 'fl': {}}
    cur = {'fn': '?', 'ob': '?'}
    selfc = defaultdict(int)
    calls = defaultdict(int)  # (caller (ob, fn), callee fn) -> inclusive Ir of those calls
    pid = None
    skip_next = False
    callee = None
    def name(kind, rest):
        m = re.match(r'\((\d+)\)(?:\s+(.*))?', rest)
        if m:
            if m.group(2) is not None:
                names[kind][m.group(1)] = m.group(2)
            return names[kind].get(m.group(1), '?')
        return rest
    with open(path) as f:
        for line in f:
            line = line.rstrip('\n')
            if not line:
                continue
            c = line[0]
            if c.isdigit() or c in '+-*':
                if skip_next:
                    skip_next = False
                    parts = line.split()
                    if len(parts) >= 2 and callee is not None:
                        calls[((cur['ob'], cur['fn']), callee)] += int(parts[1])
                    continue
                parts = line.split()
                if len(parts) >= 2:
                    selfc[(cur['ob'], cur['fn'])] += int(parts[1])
                continue
            if line.startswith('pid:'):
                pid = line.split()[1]
            elif line.startswith('fn='):
                cur['fn'] = name('fn', line[3:])
            elif line.startswith('ob='):
                cur['ob'] = name('ob', line[3:])
            elif line.startswith('fl=') or line.startswith('fi=') or line.startswith('fe='):
                name('fl', line[3:])
            elif line.startswith('cfn='):
                callee = name('fn', line[4:])
            elif line.startswith('cob='):
                name('ob', line[4:])
            elif line.startswith('cfi=') or line.startswith('cfl='):
                name('fl', line[4:])
            elif line.startswith('calls='):
                skip_next = True
    return selfc, pid, calls

def load_map(path):
    starts, ends, syms = [], [], []
    if not path or not os.path.exists(path):
        return None
    rows = []
    with open(path) as f:
        for line in f:
            p = line.rstrip('\n').split(' ', 2)
            if len(p) == 3:
                rows.append((int(p[0], 16), int(p[1], 16), p[2]))
    rows.sort()
    return [r[0] for r in rows], rows

def resolve(m, addr):
    if m is None:
        return None
    starts, rows = m
    i = bisect.bisect_right(starts, addr) - 1
    # the newest code object at that address wins (maps append; sorted keeps the last for ties)
    while i >= 0 and rows[i][0] <= addr:
        s, n, sym = rows[i]
        if addr < s + n:
            return sym
        i -= 1
        if s + 1_000_000 < addr:
            break
    return None

def layer(ob, fn):
    if fn.startswith('JS:'):
        src = fn
        mm = re.search(r'/dist[^/ ]*/src/(\w+)/', src)
        if mm:
            return 'stelar JS ' + mm.group(1)
        if 'node:' in src:
            return 'node JS (lib)'
        return 'other JS'
    if fn.startswith('Builtins_') or fn.startswith('Builtin:'):
        return 'V8 builtins'
    if 'v8::internal::compiler::' in fn or 'v8::internal::maglev::' in fn or 'Pipeline' in fn:
        return 'V8 compiler (TurboFan: warm-up, not per message)'
    if re.search(r'Heap|Marking|Scavenge|Sweeper|MarkCompact|heap::base|Worklist|Evacuat|Remembered|GCTracer|IncrementalMarking', fn):
        return 'V8 GC'
    if 'v8::' in fn or fn.startswith('v8_'):
        return 'V8 C++ runtime (API calls, JSON, ICs)'
    if '/deps/uv/' in fn or fn.startswith('uv_') or fn.startswith('uv__'):
        return 'libuv'
    if 'libc.so' in ob or 'ld-linux' in ob:
        return 'libc'
    if 'node::' in fn:
        return 'Node C++'
    if fn.startswith('0x'):
        return 'JIT code (unnamed)'
    return 'other native'

def main():
    args = sys.argv[1:]
    path = args[0]
    top = int(args[args.index('--top') + 1]) if '--top' in args else 40
    per = float(args[args.index('--per') + 1]) if '--per' in args else 1.0
    selfc, pid, calls = parse(path)
    mp = args[args.index('--map') + 1] if '--map' in args else f'/tmp/perf-{pid}.map'
    m = load_map(mp)
    named = defaultdict(int)
    for (ob, fn), v in selfc.items():
        nm = fn
        mm = re.match(r'0x([0-9a-fA-F]+)$', fn)
        if mm:
            sym = resolve(m, int(mm.group(1), 16))
            if sym is not None:
                nm = ('Builtin:' + sym[len('Builtin:'):]) if sym.startswith('Builtin:') else 'JS:' + sym
        named[(ob, nm)] += v
    def jsname(fn):
        mm = re.match(r'0x([0-9a-fA-F]+)$', fn)
        if mm:
            sym = resolve(m, int(mm.group(1), 16))
            if sym is not None:
                return sym
        return fn
    if '--callers' in args:
        target = args[args.index('--callers') + 1]
        agg = defaultdict(int)
        for ((ob, fn), callee), v in calls.items():
            if target in jsname(callee):
                agg[jsname(fn)] += v
        print(f'-- callers of {target} (inclusive Ir of the calls, per unit)')
        for k, v in sorted(agg.items(), key=lambda kv: -kv[1])[:top]:
            print(f'{v / per:12,.0f}  {k[:150]}')
        return
    total = sum(named.values())
    layers = defaultdict(int)
    for (ob, fn), v in named.items():
        layers[layer(ob, fn)] += v
    comp = layers.get('V8 compiler (TurboFan: warm-up, not per message)', 0)
    print(f'total {total:,} Ir  ({total / per:,.0f} per unit; {(total - comp) / per:,.0f} without the compiler)')
    print('-- by layer (self Ir per unit)')
    for k, v in sorted(layers.items(), key=lambda kv: -kv[1]):
        print(f'{v / per:12,.0f}  {100 * v / total:5.1f}%  {k}')
    print('-- top functions (self Ir per unit)')
    for (ob, fn), v in sorted(named.items(), key=lambda kv: -kv[1])[:top]:
        print(f'{v / per:12,.0f}  {100 * v / total:5.1f}%  {fn[:150]}')

main()
