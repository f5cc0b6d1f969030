// The same extension-host suite under @vscode/test-electron, for machines with internet access:
// it downloads a VS Code build, which the offline CI machine cannot do (npm test uses code-server).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  const extensionDevelopmentPath = path.resolve(__dirname, '../..');
  const extensionTestsPath = path.resolve(__dirname, 'suite/index.js');
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-electron-'));
  fs.mkdirSync(path.join(workspace, '.vscode'));
  fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'thumbnails.sizes': ['256x256', '64x64'] }));
  await runTests({
    extensionDevelopmentPath,
    extensionTestsPath,
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
    extensionTestsEnv: { FT_TEST_WORKSPACE: workspace },
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
