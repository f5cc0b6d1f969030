/**
 * The worker-thread side of the pool. A worker entry file does
 *
 *     import { serveTasks } from '.../core/pool/worker';
 *     serveTasks(async (task) => doTheWork(task));
 *
 * and nothing else is needed: the pool posts one task at a time and waits for its answer.
 */
import { parentPort } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { PortMessage, ReadyMessage, ResultMessage, TaskMessage } from './protocol';
import { serializeError } from './protocol';

/**
 * Answers the pool's tasks with `handler`, one at a time, and tells the pool this worker is
 * ready. Call it once, at the top level of the worker entry file, after any setup that may
 * fail: a worker that throws or exits before this call counts as "failed to start".
 */
export function serveTasks<T, R>(handler: (task: T) => R | Promise<R>): void {
  if (parentPort === null) {
    throw new Error('serveTasks() must be called inside a worker thread started by WorkerPool');
  }
  // The pool's first message hands over a private port; every task and answer uses it.
  parentPort.once('message', ({ port }: PortMessage) => serve(port, handler));
}

function serve<T, R>(port: MessagePort, handler: (task: T) => R | Promise<R>): void {
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

  port.on('message', (message: TaskMessage<T>) => {
    const taskId = message.taskId;
    let out: R | Promise<R>;
    try {
      out = handler(message.task);
    } catch (error) {
      fail(taskId, error);
      return;
    }
    // Synchronous handlers answer without a promise round trip.
    if (isThenable(out)) {
      out.then(
        (result) => reply(taskId, result),
        (error: unknown) => fail(taskId, error),
      );
    } else {
      reply(taskId, out);
    }
  });
  port.postMessage({ ready: true } satisfies ReadyMessage);
}

function isThenable<R>(value: R | Promise<R>): value is Promise<R> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
