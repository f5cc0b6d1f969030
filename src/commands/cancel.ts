import * as vscode from 'vscode';
import type { JobRunner, RunningJob } from '../jobs';
import { jobLine } from '../ui/jobText';

interface JobItem extends vscode.QuickPickItem {
  jobs: readonly RunningJob[];
}

/**
 * `thumbnails.cancel`: one running job is stopped at once; with several, the user picks which
 * (or all). The job's own summary then says what was finished. Returns the jobs stopped.
 */
export async function cancelJobs(runner: JobRunner): Promise<readonly RunningJob[]> {
  const jobs = runner.jobs;
  if (jobs.length <= 1) return runner.cancel(jobs);
  const items: JobItem[] = [
    ...jobs.map((j) => ({ label: `$(debug-stop) ${jobLine(j)}`, jobs: [j] })),
    { label: `$(close-all) ${vscode.l10n.t('All {0} jobs', jobs.length)}`, jobs },
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Cancel Thumbnails'),
    placeHolder: vscode.l10n.t('Choose the job to stop; finished thumbnails are kept'),
  });
  return picked ? runner.cancel(picked.jobs) : [];
}
