import assert from 'node:assert/strict';
import { compileGlobs } from '../../../src/core/glob';
import { DEFAULTS, filesExcludeRules, parseSettings, SETTING_NAMES, SettingsError } from '../../../src/core/settings';

const compileExcludes = (globs: string[]): ((rel: string) => boolean) => compileGlobs(globs, 'anyDepth');

function problems(raw: Parameters<typeof parseSettings>[0], front: Parameters<typeof parseSettings>[1] = 'editor'): string[] {
  try {
    parseSettings(raw, front);
  } catch (error) {
    assert.ok(error instanceof SettingsError);
    return error.problems;
  }
  assert.fail('expected a SettingsError');
}

suite('engine: settings', () => {
  test('missing keys take the defaults', () => {
    const s = parseSettings({});
    assert.deepEqual(
      s.sizes.map((b) => `${b.width}x${b.height}`),
      DEFAULTS.sizes,
    );
    assert.equal(s.quality, 65);
    assert.equal(s.includeSubfolders, true);
    assert.equal(s.outputFolderName, 'thumbnails');
    assert.deepEqual(s.exclude, ['**/node_modules']);
    assert.equal(s.useIgnoreFiles, true);
    assert.deepEqual(s.filesExclude, []);
    assert.equal(s.skipUpToDate, true);
    assert.equal(s.maxWorkers, 0);
  });

  test('sizes parse, keep order and drop duplicates', () => {
    const s = parseSettings({ sizes: ['800x600', '64X64', '800x600'] });
    assert.deepEqual(s.sizes, [
      { width: 800, height: 600 },
      { width: 64, height: 64 },
    ]);
  });

  test('each bad size is named with its index and value', () => {
    const p = problems({ sizes: ['256x256', '256x256', '12x', 0, '0x10'] });
    assert.deepEqual(p, [
      'thumbnails.sizes[2]: "12x" is not WIDTHxHEIGHT (e.g. "256x256")',
      'thumbnails.sizes[3]: 0 is not WIDTHxHEIGHT (e.g. "256x256")',
      'thumbnails.sizes[4]: "0x10" must have both sides between 1 and 16384',
    ]);
    assert.match(problems({ sizes: [] })[0], /thumbnails\.sizes: \[\] is empty/);
    assert.match(problems({ sizes: '256x256' })[0], /thumbnails\.sizes: "256x256" is not a list/);
  });

  test('quality, booleans and maxWorkers are range- and type-checked, all at once', () => {
    const p = problems({ quality: 101, includeSubfolders: 'yes', skipUpToDate: 1, maxWorkers: -1 });
    assert.equal(p.length, 4);
    assert.match(p[0], /^thumbnails\.quality: 101 /);
    assert.match(p[1], /^thumbnails\.includeSubfolders: "yes" /);
    assert.match(p[2], /^thumbnails\.skipUpToDate: 1 /);
    assert.match(p[3], /^thumbnails\.maxWorkers: -1 /);
    assert.match(problems({ quality: 65.5 })[0], /thumbnails\.quality: 65\.5/);
  });

  test('maxDecodeMB: a whole number of MB from 32 to 65536, 160 by default', () => {
    assert.equal(parseSettings({}).maxDecodeMB, 160);
    assert.equal(parseSettings({ maxDecodeMB: 1024 }).maxDecodeMB, 1024);
    for (const bad of [31, 65537, 1.5, '256']) {
      assert.match(problems({ maxDecodeMB: bad })[0], /^thumbnails\.maxDecodeMB: .* is not a whole number from 32 to 65536$/, String(bad));
    }
  });

  test('outputFolderName must be one plain, visible folder name', () => {
    for (const bad of ['', '  ', '..', 'a/b', 'a\\b', '/abs', 'C:thumbs', '.thumbs', 'x..y', 'a*b']) {
      const p = problems({ outputFolderName: bad });
      assert.equal(p.length, 1, bad);
      assert.ok(p[0].startsWith(`thumbnails.outputFolderName: ${JSON.stringify(bad)} `), p[0]);
    }
    assert.equal(parseSettings({ outputFolderName: 'thumbs 2' }).outputFolderName, 'thumbs 2');
  });

  test('exclude must be a list of non-empty strings', () => {
    assert.match(problems({ exclude: 'raw' })[0], /thumbnails\.exclude: "raw" is not a list/);
    assert.match(problems({ exclude: ['ok', ''] })[0], /thumbnails\.exclude\[1\]: ""/);
  });

  test('exclude globs: names at any depth, anchored paths, ** and braces', () => {
    const ex = compileExcludes(['raw', 'private/*.jpg', '**/tmp-*', '*.{bak,old}.jpg']);
    assert.equal(ex('raw'), true);
    assert.equal(ex('a/b/raw'), true);
    assert.equal(ex('a/rawer'), false);
    assert.equal(ex('private/x.jpg'), true);
    assert.equal(ex('a/private/x.jpg'), false);
    assert.equal(ex('private/sub/x.jpg'), false);
    assert.equal(ex('deep/er/tmp-1.jpg'), true);
    assert.equal(ex('x.bak.jpg'), true);
    assert.equal(ex('d/x.old.jpg'), true);
    assert.equal(ex('x.jpg'), false);
    assert.equal(compileExcludes([])('anything'), false);
  });

  test('problems name what the front end calls the setting: keys in the editor, flags in the CLI, from one table', () => {
    const raw = { sizes: ['12x'], quality: 500, maxWorkers: 99, maxDecodeMB: 1, outputFolderName: '.x', exclude: [''], includeSubfolders: 'no', useIgnoreFiles: 1 };
    assert.deepEqual(problems(raw, 'cli'), [
      '--sizes: "12x" is not WIDTHxHEIGHT (e.g. "256x256")',
      '--quality: 500 is not a whole number from 1 to 100',
      '--no-subfolders: "no" is not true or false',
      '--no-ignore-files: 1 is not true or false',
      '--output-folder: ".x" must not start with "." (hidden folders are never scanned)',
      '--exclude: "" is not a non-empty glob string',
      '--workers: 99 is not a whole number from 0 (automatic) to 64',
      '--max-decode-mb: 1 is not a whole number from 32 to 65536',
    ]);
    const editor = problems(raw);
    assert.equal(editor.length, 8);
    assert.equal(editor[1], 'thumbnails.quality: 500 is not a whole number from 1 to 100');
    assert.equal(editor[0], 'thumbnails.sizes[0]: "12x" is not WIDTHxHEIGHT (e.g. "256x256")');
    assert.ok(editor.every((p) => p.startsWith('thumbnails.')), editor.join('\n'));
    for (const [key, names] of Object.entries(SETTING_NAMES)) assert.ok(names.editor && names.cli, key);
  });

  test('files.exclude: entries that hide something are kept, false and malformed ones are not', () => {
    assert.deepEqual(filesExcludeRules({ '**/.git': true, '**/dist': false, '**/*.js': { when: '$(basename).ts' }, x: 'yes', '': true }), [
      { glob: '**/.git' },
      { glob: '**/*.js', when: '$(basename).ts' },
    ]);
    assert.deepEqual(filesExcludeRules(undefined), []);
    assert.deepEqual(filesExcludeRules(['**/x']), []);
    assert.deepEqual(parseSettings({ filesExclude: { '**/tmp': true }, workspaceFolder: '/ws' }).filesExclude, [{ glob: '**/tmp' }]);
    assert.match(problems({ workspaceFolder: 'relative' })[0], /is not an absolute path/);
  });

  test('VS Code globs (files.exclude): bare names at the top only, ** for any depth, classes, a trailing /** takes the folder', () => {
    const g = compileGlobs(['dist', '**/node_modules', 'out/**', '**/*.[jJ]pg', 'img[!0-9]'], 'root');
    assert.equal(g('dist'), true);
    assert.equal(g('a/dist'), false);
    assert.equal(g('node_modules'), true);
    assert.equal(g('a/b/node_modules'), true);
    assert.equal(g('out'), true);
    assert.equal(g('out/x/y.png'), true);
    assert.equal(g('a/out'), false);
    assert.equal(g('x/y.Jpg'), true);
    assert.equal(g('x/y.JPG'), false);
    assert.equal(g('imgA'), true);
    assert.equal(g('img1'), false);
  });
});
