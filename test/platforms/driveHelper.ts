/**
 * One job through the thumbnail helper process, started exactly as the extension host starts it
 * (ThumbnailHelper, src/core/helper/client.ts), for the platforms tier (platforms.test.mjs): run
 * by another platform's Node (under qemu-user or Wine), it forks that package's dist/helper.js.
 * Prints the job's summary and the helper's warnings and errors as one JSON line.
 * Usage: node driveHelper.js <dist/helper.js> <folder> <sizes,...>
 * FT_HELPER_EXEC, when set, is the executable the helper is started with: without binfmt_misc,
 * qemu-user cannot exec an arm64 binary itself, so a wrapper script runs it under qemu.
 */
import { ThumbnailHelper } from '../../src/core/helper/client';
import type { Logger } from '../../src/core/log';
import { parseSettings } from '../../src/core/settings';

async function main(): Promise<void> {
  const [helperFile, folder, sizes] = process.argv.slice(2);
  const messages: string[] = [];
  const logger: Logger = {
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    warn: (m) => messages.push(`warn: ${m}`),
    error: (m) => messages.push(`error: ${m}`),
  };
  const helper = new ThumbnailHelper({ helperFile, size: () => 2, logger, execPath: process.env.FT_HELPER_EXEC || undefined });
  try {
    const summary = await helper.run({ folder, settings: parseSettings({ sizes: sizes.split(','), maxWorkers: 2 }), force: false });
    process.stdout.write(`${JSON.stringify({ summary, messages, starts: helper.starts })}\n`);
  } finally {
    helper.dispose();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
