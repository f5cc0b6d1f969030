/** The command line's arguments: its help text and their parsing into settings and switches. */
import { DEFAULTS, type RawSettings } from '../core/settings';

export const USAGE = `Usage: folder-thumbnails <folder> [options]

Makes <folder>/<sub>/thumbnails/<W>x<H>/<name>.jpg for every JPEG in <folder>.

Options:
  --sizes 1024x1024,512x512   boxes to fit thumbnails in (default: 1024,512,256,128,64,32 squares)
  --quality 65                JPEG quality 1-100
  --workers N                 worker threads (0 = one per core, the default)
  --max-decode-mb N           memory one image's decode may use (default 160); bigger progressive
                              JPEGs are refused as TOO_BIG_TO_DECODE
  --no-subfolders             only the folder itself
  --exclude GLOB              skip matching files/folders (repeatable; a bare name at any depth),
                              besides **/node_modules, which is skipped by default
  --no-default-exclude        do not skip node_modules folders
  --no-ignore-files           do not skip what .gitignore and .ignore files ignore (they are
                              read from <folder> down, and above it up to the git repository's
                              root; rules that match <folder> itself or a folder above it do not
                              apply inside it)
  --output-folder NAME        name of the thumbnail folder (default: thumbnails)
  --force                     remake thumbnails even when up to date
  --prune                     after the run, remove the thumbnails whose image is gone (deleted,
                              renamed, excluded); only files this tool made (its mark) go
  --clean                     make nothing: remove every thumbnail this tool made under <folder>,
                              then the thumbnail folders left empty; other files stay
  --json                      print one JSON summary object instead of text
  --verbose                   log warnings to stderr
  -h, --help                  show this help

Exit code: 0 all images succeeded, 1 some failed, 2 bad arguments, 130/143/129 interrupted
(SIGINT/SIGTERM/SIGHUP: finished thumbnails stay, no partial file is left).`;

export class UsageError extends Error {}

export interface CliArgs {
  folder: string;
  raw: RawSettings;
  force: boolean;
  json: boolean;
  verbose: boolean;
  /** Remove orphans after the run. */
  prune: boolean;
  /** Remove every thumbnail instead of making any. */
  clean: boolean;
}

/** What the options have said so far; the folder and the final exclude list come last. */
interface Draft extends Omit<CliArgs, 'folder'> {
  exclude: string[];
  defaultExclude: boolean;
}

function integer(text: string, flag: string): number {
  if (!/^-?\d+$/.test(text)) throw new UsageError(`${flag}: "${text}" is not a whole number`);
  return Number(text);
}

/** The options that take a value (`--flag value` or `--flag=value`). */
const WITH_VALUE: Record<string, (draft: Draft, value: string, flag: string) => void> = {
  '--sizes': (d, v) => {
    d.raw.sizes = v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  },
  '--quality': (d, v, flag) => (d.raw.quality = integer(v, flag)),
  '--workers': (d, v, flag) => (d.raw.maxWorkers = integer(v, flag)),
  '--max-decode-mb': (d, v, flag) => (d.raw.maxDecodeMB = integer(v, flag)),
  '--exclude': (d, v) => d.exclude.push(v),
  '--output-folder': (d, v) => (d.raw.outputFolderName = v),
};

/** The options that stand alone (a `=value` after one is ignored). */
const SWITCHES: Record<string, (draft: Draft) => void> = {
  '--no-subfolders': (d) => (d.raw.includeSubfolders = false),
  '--no-default-exclude': (d) => (d.defaultExclude = false),
  '--no-ignore-files': (d) => (d.raw.useIgnoreFiles = false),
  '--force': (d) => (d.force = true),
  '--json': (d) => (d.json = true),
  '--verbose': (d) => (d.verbose = true),
  '--prune': (d) => (d.prune = true),
  '--clean': (d) => (d.clean = true),
};

/** Parses argv (without node and script). Throws UsageError. */
export function parseArgs(argv: string[]): CliArgs | 'help' {
  const draft: Draft = { raw: {}, exclude: [], defaultExclude: true, force: false, json: false, verbose: false, prune: false, clean: false };
  let folder: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const eq = argv[i].indexOf('=');
    const inline = argv[i].startsWith('--') && eq > 0;
    const arg = inline ? argv[i].slice(0, eq) : argv[i];
    if (arg === '-h' || arg === '--help') return 'help';
    if (Object.hasOwn(WITH_VALUE, arg)) {
      const value = inline ? argv[i].slice(eq + 1) : argv[++i];
      if (value === undefined || (!inline && value.startsWith('--'))) throw new UsageError(`${arg} needs a value`);
      WITH_VALUE[arg](draft, value, arg);
    } else if (Object.hasOwn(SWITCHES, arg)) {
      SWITCHES[arg](draft);
    } else if (arg.startsWith('-')) {
      throw new UsageError(`unknown option ${arg}`);
    } else if (folder !== undefined) {
      throw new UsageError(`only one folder, got "${folder}" and "${arg}"`);
    } else {
      folder = arg;
    }
  }
  if (folder === undefined) throw new UsageError('missing <folder>');
  const { exclude, defaultExclude, ...args } = draft;
  // --exclude adds to the default (node_modules), which --no-default-exclude takes out.
  args.raw.exclude = [...(defaultExclude ? DEFAULTS.exclude : []), ...exclude];
  if (args.clean && (args.prune || args.force)) throw new UsageError(`--clean makes nothing, so it takes no ${args.prune ? '--prune' : '--force'}`);
  return { folder, ...args };
}
