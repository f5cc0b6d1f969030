import type { MessagePort } from 'node:worker_threads';

/**
 * The plain-data messages between the pool and its workers. Kept in one module so the
 * two ends cannot drift apart; nothing here may need more than structured clone.
 */

/** Pool -> worker, first message on `parentPort`: the private port all later messages use. */
export interface PortMessage {
  port: MessagePort;
}

/** Pool -> worker: run one task. */
export interface TaskMessage<T = unknown> {
  taskId: number;
  task: T;
}

/** A thrown value flattened so that it survives structured clone with its name and stack intact. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: unknown;
}

/** Worker -> pool: the outcome of one task (exactly one of `result` / `error`). */
export interface ResultMessage<R = unknown> {
  taskId: number;
  result?: R;
  error?: SerializedError;
}

/** Worker -> pool, once: `serveTasks()` is listening. Anything the worker does before is "starting". */
export interface ReadyMessage {
  ready: true;
}

export function serializeError(value: unknown): SerializedError {
  if (value instanceof Error || (typeof value === 'object' && value !== null && 'message' in value)) {
    const e = value as Error & { code?: unknown };
    const out: SerializedError = { name: String(e.name ?? 'Error'), message: String(e.message), stack: e.stack };
    if (e.code !== undefined) out.code = e.code;
    return out;
  }
  return { name: 'Error', message: String(value) };
}

/** Rebuilds the worker's error in the caller's realm so `instanceof Error` and `.code` work. */
export function reviveError(data: SerializedError): Error {
  const err = new Error(data.message) as Error & { code?: unknown };
  err.name = data.name;
  if (data.stack !== undefined) err.stack = data.stack;
  if (data.code !== undefined) err.code = data.code;
  return err;
}
