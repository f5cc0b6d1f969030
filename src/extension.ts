import * as path from 'node:path';
import * as vscode from 'vscode';
import { cancelJobs } from './commands/cancel';
import { CleanCommand, type CleanArgs, type OldSizesArgs } from './commands/clean';
import { GenerateCommand, type GenerateArgs } from './commands/generate';
import { outputNamesInUse, readMaxWorkers, SECTION } from './config';
import { JobRunner } from './jobs';
import { ThumbnailLog } from './log';
import { ThumbnailStatusBar } from './ui/statusBar';
import { JobSummaryView } from './ui/summary';
import { YieldWhileTyping } from './ui/typing';
import { ThumbnailWatcher } from './watch';

/** What activate() returns: the pieces tests look at (no thread has started by then). */
export interface ThumbnailsApi {
  readonly runner: JobRunner;
  readonly statusBar: ThumbnailStatusBar;
  readonly watcher: ThumbnailWatcher;
}

export function activate(context: vscode.ExtensionContext): ThumbnailsApi {
  const log = new ThumbnailLog();
  const runner = new JobRunner(path.join(__dirname, 'helper.js'), log, safeMaxWorkers(log));
  const statusBar = new ThumbnailStatusBar(runner);
  const summary = new JobSummaryView(log, context.workspaceState);
  const watcher = new ThumbnailWatcher(runner, log, context.workspaceState, statusBar);
  const remember = (folders: readonly string[]): void => watcher.remember(folders);
  const commands = [
    new GenerateCommand('generate', runner, log, statusBar, summary, remember),
    new GenerateCommand('regenerate', runner, log, statusBar, summary, remember),
  ];
  const clean = new CleanCommand(runner, log, (folders) => watcher.forget(folders));

  context.subscriptions.push(
    log,
    runner,
    statusBar,
    watcher,
    new YieldWhileTyping(runner),
    ...commands.map((c) => vscode.commands.registerCommand(c.id, (uri?: vscode.Uri, uris?: vscode.Uri[], args?: GenerateArgs) => c.execute(uri, uris, args))),
    vscode.commands.registerCommand(clean.id, (uri?: vscode.Uri, uris?: vscode.Uri[], args?: CleanArgs) => clean.execute(uri, uris, args)),
    vscode.commands.registerCommand('thumbnails.removeOldSizes', (args: OldSizesArgs) => clean.removeOldSizes(args)),
    vscode.commands.registerCommand('thumbnails.cancel', () => cancelJobs(runner)),
    vscode.commands.registerCommand('thumbnails.showLog', () => log.show()),
    runner.onDidChange(() => void vscode.commands.executeCommand('setContext', 'thumbnails.running', runner.jobs.length > 0)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${SECTION}.maxWorkers`)) runner.resize();
      if (e.affectsConfiguration(`${SECTION}.outputFolderName`) || e.affectsConfiguration(`${SECTION}.sizes`)) publishOutputNames();
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => publishOutputNames()),
  );
  publishOutputNames();
  return { runner, statusBar, watcher };
}

/** The Explorer hides the commands on output folders and their size folders (see package.json). */
function publishOutputNames(): void {
  const { outputFolderNames, sizeFolderNames } = outputNamesInUse();
  void vscode.commands.executeCommand('setContext', 'thumbnails.outputFolderNames', outputFolderNames);
  void vscode.commands.executeCommand('setContext', 'thumbnails.sizeFolderNames', sizeFolderNames);
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
  // context.subscriptions dispose the runner, which stops the helper process.
}
