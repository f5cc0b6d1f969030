/**
 * The logging seam between the plain-Node core and its hosts: the extension passes a
 * LogOutputChannel behind this interface, the CLI a stderr logger, tests the null logger.
 */
export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const noop = (): void => undefined;

export const nullLogger: Logger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop };
