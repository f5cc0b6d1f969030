/**
 * `npm run fuzz [-- --seed N --count N --max-rss-mb N ...]`: the fuzz run over dist/cli.js (the
 * bundle users run, with its turbojpeg.node), printing the counts; exit 1 on any violation.
 */
import * as path from 'node:path';
import { defaultOptions, runFuzz, type FuzzOptions } from './harness';
import { formatReport, violationCount } from './report';

const USAGE = `Usage: npm run fuzz -- [options]
  --seed N          mutation seed (default ${defaultOptions.seed}); the same seed makes the same mutants
  --count N         mutants (default ${defaultOptions.count})
  --batch N         mutants per folder, one CLI process each (default ${defaultOptions.batchSize})
  --max-rss-mb N    peak memory budget of one CLI process (default ${defaultOptions.maxRssMb})
  --timeout-s N     time limit per folder; longer is a hang (default ${defaultOptions.timeoutMs / 1000})
  --workers N       the CLI's --workers (default ${defaultOptions.workers})
  --sizes WxH,...   the CLI's --sizes (default ${defaultOptions.sizes.join(',')})
  --isolate N       violations per kind narrowed down by reruns: culprit searched, big file shortened (default ${defaultOptions.isolate})
  --cli FILE        the CLI to test (default dist/cli.js)
  --findings DIR    where violating inputs are saved (default ${defaultOptions.findingsDir})
  --quiet           no line per folder`;

function parse(argv: string[]): Partial<FuzzOptions> | undefined {
  const options: Partial<FuzzOptions> = { log: (line) => process.stderr.write(`${line}\n`) };
  const count = (flag: string, v: string | undefined): number => {
    if (v === undefined || !/^\d+$/.test(v)) throw new Error(`${flag} needs a whole number`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--seed': options.seed = count(flag, value()); break;
      case '--count': options.count = count(flag, value()); break;
      case '--batch': options.batchSize = Math.max(1, count(flag, value())); break;
      case '--max-rss-mb': options.maxRssMb = count(flag, value()); break;
      case '--timeout-s': options.timeoutMs = count(flag, value()) * 1000; break;
      case '--workers': options.workers = count(flag, value()); break;
      case '--isolate': options.isolate = count(flag, value()); break;
      case '--sizes': options.sizes = (value() ?? '').split(','); break;
      case '--cli': options.cli = path.resolve(value() ?? ''); break;
      case '--findings': options.findingsDir = path.resolve(value() ?? ''); break;
      case '--quiet': options.log = undefined; break;
      case '-h':
      case '--help': return undefined;
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  return options;
}

async function main(): Promise<number> {
  let options: Partial<FuzzOptions> | undefined;
  try {
    options = parse(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`fuzz: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (!options) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const report = await runFuzz(options);
  process.stdout.write(`${formatReport(report)}\n`);
  return violationCount(report) === 0 ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`fuzz: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  },
);
