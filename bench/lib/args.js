'use strict';
// Command-line options of bench/run.js.

const USAGE = `usage: node bench/run.js [options]
  --scenarios a,b     scenarios to run (fanout,echo,idle,connect,slow,cluster; default all;
                      storm only when named)
  --systems x,y       systems to run (ws,uws,socketio,stelar,stelar-tcp; default all; also
                      stelar-metrics,stelar-tcp-metrics: Stelar with metrics on)
  --rounds N          rounds per scenario (default: per scenario, 2-3)
  --quick             small sizes and 1 round, for a smoke run (~1 min)
  --set k=v[,k=v]     override scenario parameters, e.g. --set subscribers=500,messages=1000
  --out FILE          JSON results file (default bench/results/latest.json)
  --profile           run servers with --cpu-prof; profiles go to bench/results/profiles/
                      (summarise one with: node bench/profile-summary.js FILE)
  --scale             the scale bench instead (issue #17; long, never part of the default run):
                      idle connections at 10k/25k/50k, fanout to 1k/5k/20k subscribers at a
                      low and a high rate, then the storm scenario; results in
                      bench/results/scale.json (the storm's in scale-after.json). With --quick:
                      small sizes; with --scenarios: what runs after the scale cases instead
                      (--scenarios scale: nothing)
  --scale-idle a,b    idle sizes of --scale (default 10000,25000,50000)
  --scale-fanout a,b  fanout sizes of --scale (default 1000,5000,20000)
  --help`;

/** Parses argv into { scenarios, systems, rounds, quick, set, out }. */
function parseArgs(argv) {
  const o = { scenarios: null, systems: null, rounds: null, quick: false, set: {}, out: null, profile: false, scale: false, idleSizes: null, fanoutSizes: null };
  const sizes = (flag, v) => {
    const list = v.split(',').filter(Boolean).map(Number);
    if (!list.every((n) => Number.isInteger(n) && n > 0)) throw new Error(`${flag} takes positive integers, e.g. 10000,25000`);
    return list;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') && a.startsWith('--') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      if (i + 1 >= argv.length) throw new Error(`${flag} needs a value\n${USAGE}`);
      return argv[++i];
    };
    switch (flag) {
      case '--scenarios':
        o.scenarios = value().split(',').filter(Boolean);
        break;
      case '--systems':
        o.systems = value().split(',').filter(Boolean);
        break;
      case '--rounds':
        o.rounds = Number(value());
        if (!Number.isInteger(o.rounds) || o.rounds < 1) throw new Error('--rounds must be a positive integer');
        break;
      case '--quick':
        o.quick = true;
        break;
      case '--scale':
        o.scale = true;
        break;
      case '--scale-idle':
        o.idleSizes = sizes(flag, value());
        break;
      case '--scale-fanout':
        o.fanoutSizes = sizes(flag, value());
        break;
      case '--profile':
        o.profile = true;
        break;
      case '--set':
        for (const kv of value().split(',')) {
          const [k, v] = kv.split('=');
          if (!k || v === undefined || !Number.isFinite(Number(v))) throw new Error(`bad --set ${kv}`);
          o.set[k] = Number(v);
        }
        break;
      case '--out':
        o.out = value();
        break;
      case '--help':
      case '-h':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${a}\n${USAGE}`);
    }
  }
  return o;
}

module.exports = { parseArgs, USAGE };
