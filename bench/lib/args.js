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
  --help`;

/** Parses argv into { scenarios, systems, rounds, quick, set, out }. */
function parseArgs(argv) {
  const o = { scenarios: null, systems: null, rounds: null, quick: false, set: {}, out: null, profile: false };
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
