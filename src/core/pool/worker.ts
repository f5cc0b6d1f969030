/**
 * The worker-thread side of the pool. A worker entry file does
 *
 *     import { serveTasks } from '.../core/pool/worker';
 *     serveTasks(async (task) => doTheWork(task));
 *
 * and nothing else is needed: the pool posts one task at a time and waits for its answer.
 */
import { parentPort, receiveMessageOnPort } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { PortMessage, ReadyMessage, ResultMessage, TaskMessage } from './protocol';
import { serializeError } from './protocol';

/** Longest single sleep between tasks; see sleepUntilBusy. */
const SLEEP_SLICE_MS = 50;

export interface ServeOptions {
  /**
   * Between tasks, block this thread until the next one is posted (Atomics.wait on a shared
   * counter) and read it straight from the port, instead of returning to the event loop and
   * being woken by a message event: a shorter hop per task (piscina's default "sync atomics").
   * Nothing else runs on this thread meanwhile: no timers, no I/O callbacks. Only for workers
   * that leave nothing pending when a task ends. Default false.
   */
  sleepWhenIdle?: boolean;
}

/**
 * Answers the pool's tasks with `handler`, one at a time, and tells the pool this worker is
 * ready. Call it once, at the top level of the worker entry file, after any setup that may
 * fail: a worker that throws or exits before this call counts as "failed to start".
 */
export function serveTasks<T, R>(handler: (task: T) => R | Promise<R>, options: ServeOptions = {}): void {
  if (parentPort === null) {
    throw new Error('serveTasks() must be called inside a worker thread started by WorkerPool');
  }
  // The pool's first message hands over a private port; every task and answer uses it.
  parentPort.once('message', ({ port, posted }: PortMessage) => serve(port, posted, handler, options.sleepWhenIdle === true));
}

function serve<T, R>(port: MessagePort, posted: Int32Array, handler: (task: T) => R | Promise<R>, sleep: boolean): void {
  let busy = false;
  let seen = 0;

  const reply = (taskId: number, result: R): void => {
    try {
      port.postMessage({ taskId, result } satisfies ResultMessage<R>);
    } catch (cloneError) {
      // A result that cannot cross threads (a function, a class with private state...) must
      // fail its own task, not kill the worker.
      fail(taskId, cloneError);
    }
  };
  const fail = (taskId: number, error: unknown): void => {
    port.postMessage({ taskId, error: serializeError(error) } satisfies ResultMessage);
  };

  /** Runs one task; true when it finished synchronously. */
  const run = (message: TaskMessage<T>): boolean => {
    const taskId = message.taskId;
    let out: R | Promise<R>;
    try {
      out = handler(message.task);
    } catch (error) {
      fail(taskId, error);
      return true;
    }
    // Synchronous handlers answer without a promise round trip.
    if (!isThenable(out)) {
      reply(taskId, out);
      return true;
    }
    busy = true;
    out.then(
      (result) => done(() => reply(taskId, result)),
      (error: unknown) => done(() => fail(taskId, error)),
    );
    return false;
  };

  const done = (answer: () => void): void => {
    busy = false;
    answer();
    if (sleep) sleepUntilBusy();
  };

  // Runs what is in the port, then sleeps on the counter, until a task needs the event loop.
  const sleepUntilBusy = (): void => {
    for (;;) {
      for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
        run(m.message as TaskMessage<T>);
        if (busy) return;
      }
      // Returns at once if a task was posted since `seen` was read. Bounded: a terminate()
      // that lands just as the thread goes to sleep is otherwise not seen (1 run in ~8 of the
      // sleep tests hung in destroy()); each wake-up costs microseconds.
      Atomics.wait(posted, 0, seen, SLEEP_SLICE_MS);
      seen = Atomics.load(posted, 0);
    }
  };

  if (sleep) {
    port.postMessage({ ready: true } satisfies ReadyMessage);
    sleepUntilBusy();
    return;
  }
  port.on('message', (message: TaskMessage<T>) => void run(message));
  port.postMessage({ ready: true } satisfies ReadyMessage);
}

function isThenable<R>(value: R | Promise<R>): value is Promise<R> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
