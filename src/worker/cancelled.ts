/** Stopping a render between steps when its job is cancelled (task.ts `cancel`). */
import type { RenderTask } from '../core/task';

export class Cancelled extends Error {
  override readonly name = 'Cancelled';
}

/** Throws Cancelled once the task's job has been cancelled. */
export function checkCancelled(task: Pick<RenderTask, 'cancel'>): void {
  if (task.cancel !== undefined && Atomics.load(task.cancel, 0) !== 0) throw new Cancelled();
}
