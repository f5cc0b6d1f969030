import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs, USAGE, UsageError, type CliArgs } from '../../../src/cli/args';

const ROOT = path.resolve(__dirname, '../../../..');

function parsed(argv: string[]): CliArgs {
  const args = parseArgs(argv);
  assert.notEqual(args, 'help');
  return args as CliArgs;
}

suite('cli: arguments', () => {
  test('values as `--flag value` or `--flag=value`; switches; one folder anywhere', () => {
    const args = parsed(['--sizes', '64x64, 32x32,', 'photos', '--quality=70', '--exclude', 'raw', '--exclude=*.tmp', '--no-ignore-files', '--json']);
    assert.equal(args.folder, 'photos');
    assert.deepEqual(args.raw, { sizes: ['64x64', '32x32'], quality: 70, useIgnoreFiles: false, exclude: ['**/node_modules', 'raw', '*.tmp'] });
    assert.deepEqual([args.json, args.force, args.verbose, args.prune, args.clean], [true, false, false, false, false]);
    assert.deepEqual(parsed(['--no-default-exclude', '--exclude', 'x', 'd']).raw.exclude, ['x']);
    assert.equal(parsed(['constructor']).folder, 'constructor', 'a folder named like an object key is a folder');
    assert.throws(() => parseArgs(['--bogus', '-h']), /unknown option --bogus/, 'options are read in order');
  });

  test('usage errors name the flag', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--quality'], /--quality needs a value/],
      [['--quality', '--force', 'd'], /--quality needs a value/],
      [['--workers', '2.5', 'd'], /--workers: "2.5" is not a whole number/],
      [['--bogus', 'd'], /unknown option --bogus/],
      [['a', 'b'], /only one folder, got "a" and "b"/],
      [[], /missing <folder>/],
      [['d', '--clean', '--prune'], /--clean makes nothing, so it takes no --prune/],
    ];
    for (const [argv, message] of cases) assert.throws(() => parseArgs(argv), (e: Error) => e instanceof UsageError && message.test(e.message), argv.join(' '));
    assert.equal(parseArgs(['d', '--help']), 'help');
  });

  test("README's command line section names every option --help lists, and no other", () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Command line'), readme.indexOf('\n## ', readme.indexOf('## Command line') + 1));
    const flags = (text: string): string[] => [...new Set(text.match(/--[a-z][a-z-]+/g))].sort();
    assert.deepEqual(flags(section), flags(USAGE));
    for (const word of ['130', '`cancelled`']) assert.ok(section.includes(word), `the section mentions ${word}`);
  });
});
