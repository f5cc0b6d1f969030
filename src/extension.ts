import * as path from 'node:path';
import * as vscode from 'vscode';
import { GenerateCommand } from './commands/generate';
import { readMaxWorkers, SECTION } from './config';
import { JobRunner } from './jobs';
import { ThumbnailLog } from './log';
import { ThumbnailStatusBar } from './ui/statusBar';

/** What activate() returns: the pieces tests look at (no thread has started by then). */
export interface ThumbnailsApi {
  readonly runner: JobRunner;
  readonly statusBar: ThumbnailStatusBar;
}

export function activate(context: vscode.ExtensionContext): ThumbnailsApi {
  const log = new ThumbnailLog();
  const runner = new JobRunner(path.join(__dirname, 'helper.js'), log, safeMaxWorkers(log));
  const statusBar = new ThumbnailStatusBar(runner);
  const generate = new GenerateCommand('thumbnails.generate', false, runner, log, statusBar);
  const regenerate = new GenerateCommand('thumbnails.regenerate', true, runner, log, statusBar);

  context.subscriptions.push(
    log,
    runner,
    statusBar,
    ...[generate, regenerate].map((c) => vscode.commands.registerCommand(c.id, (uri?: vscode.Uri, uris?: vscode.Uri[]) => c.execute(uri, uris))),
    vscode.commands.registerCommand('thumbnails.cancel', () => runner.cancelAll()),
    vscode.commands.registerCommand('thumbnails.showLog', () => log.show()),
    runner.onDidChange(() => void vscode.commands.executeCommand('setContext', 'thumbnails.running', runner.jobs.length > 0)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${SECTION}.maxWorkers`)) runner.resize(safeMaxWorkers(log)());
    }),
  );
  return { runner, statusBar };
}

/** A bad maxWorkers falls back to auto for the shared pool; the job itself reports the bad value. */
function safeMaxWorkers(log: ThumbnailLog): () => number {
  return () => {
    try {
      return readMaxWorkers();
    } catch (e) {
      log.warn(`${e instanceof Error ? e.message : String(e)}; using the automatic worker count`);
      return 0;
    }
  };
}

export function deactivate(): void {
  // context.subscriptions dispose the runner, which destroys the pool and its threads.
}
