import * as vscode from 'vscode';
import type { JobRunner } from '../jobs';
import { Disposable } from '../util/dispose';

/** How long after the last key or click in an editor the helper gets its worker back. */
export const TYPING_QUIET_MS = 2000;

/**
 * Thumbnail work gives way to typing: while the user edits or moves the cursor in an editor
 * during a job, the helper runs one worker fewer, so the window keeps a core of its own even on a
 * small machine; TYPING_QUIET_MS after the last key it runs at full size again. Below-normal
 * priority alone still left keys waiting on busy cores (bench/README.md, "Typing while
 * thumbnails are made").
 */
export class YieldWhileTyping extends Disposable {
  private _timer: NodeJS.Timeout | undefined;

  constructor(private readonly _runner: JobRunner, private readonly _quietMs = TYPING_QUIET_MS) {
    super();
    this._register(
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0 && isInAnEditor(e.document)) this._active();
      }),
    );
    this._register(
      vscode.window.onDidChangeTextEditorSelection((e) => {
        // Keyboard and mouse; not a selection set by a command or another extension.
        if (e.kind === vscode.TextEditorSelectionChangeKind.Keyboard || e.kind === vscode.TextEditorSelectionChangeKind.Mouse) this._active();
      }),
    );
    this._register({ dispose: () => clearTimeout(this._timer) });
  }

  private _active(): void {
    if (!this._runner.jobs.some((j) => j.started)) return;
    this._runner.setYielding(true);
    clearTimeout(this._timer);
    this._timer = setTimeout(() => this._runner.setYielding(false), this._quietMs);
  }
}

/** A document the user sees in an editor (not our log, which changes while a job runs). */
function isInAnEditor(document: vscode.TextDocument): boolean {
  return document.uri.scheme !== 'output' && vscode.window.visibleTextEditors.some((e) => e.document === document);
}
