// Entry for extensionTestsPath: runs the *.test.js beside this file with mocha inside the
// extension host. The same contract serves @vscode/test-electron and the code-server runner.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, reporter: 'spec' });
  const grep = process.env.FT_TEST_GREP;
  if (grep) mocha.grep(grep);
  // FT_HOST_BENCH names a benchmark module to run instead of the tests (npm run bench:host).
  const bench = process.env.FT_HOST_BENCH;
  if (bench) {
    mocha.addFile(bench);
  } else {
    for (const file of fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort()) {
      mocha.addFile(path.join(__dirname, file));
    }
  }
  return new Promise((resolve, reject) => {
    mocha.run((failures) => {
      if (failures > 0) reject(new Error(`${failures} extension-host test(s) failed`));
      else resolve();
    });
  });
}
