import * as vscode from 'vscode';

/**
 * A cancellable notification progress whose cancel button becomes an AbortSignal for the core.
 * The callback's `report(message, fraction)` takes the overall fraction done (0..1) and turns it
 * into the increments withProgress wants.
 */
export function withCancellableProgress<T>(
  title: string,
  task: (report: (message: string, fraction?: number) => void, signal: AbortSignal) => Promise<T>,
): Thenable<T> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      const sub = token.onCancellationRequested(() => controller.abort(new Error('cancelled from the notification')));
      let reported = 0;
      try {
        return await task((message, fraction) => {
          let increment: number | undefined;
          if (fraction !== undefined) {
            const pct = Math.max(0, Math.min(100, fraction * 100));
            increment = pct - reported;
            reported = pct;
          }
          progress.report({ message, increment });
        }, controller.signal);
      } finally {
        sub.dispose();
      }
    },
  );
}
