// `npm start`: installs the .vsix into a fresh extensions folder, starts code-server on loopback
// with the workspace open, prints the address, and stops it on Ctrl+C.
import fs from 'node:fs';
import path from 'node:path';
import { installVsix, startCodeServer, workbenchUrl } from './tools.mjs';

const [vsix, runDir, workspace, port] = process.argv.slice(2);
const extensionsDir = await installVsix(path.resolve(vsix), runDir);
fs.mkdirSync(workspace, { recursive: true });
const server = await startCodeServer({ runDir, extensionsDir, port: Number(port) });
console.log(`\nFolder Thumbnails is running in VS Code (code-server) at\n\n    ${workbenchUrl(server, workspace)}\n`);
console.log('Right-click "photos" in the Explorer and choose Generate Thumbnails. Ctrl+C stops the server.');
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.stop();
  fs.rmSync(runDir, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
