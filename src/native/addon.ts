/**
 * Loads the native addons that scripts/native.mjs builds (Linux with glibc only). Each exports
 * `available` and, when false, `reason`, besides its functions, so that an addon whose library is
 * missing on this machine loads, says why, and is not used. Plain Node, no vscode.
 */
import { existsSync } from 'node:fs';

/**
 * The functions `names` of the addon at `file`, or undefined where there is none (another
 * platform, not built) or it cannot work here; `onError` hears why in the last case.
 */
export function loadAddon<T extends object>(file: string, names: ReadonlyArray<keyof T & string>, onError: (error: unknown) => void): T | undefined {
  if (process.platform !== 'linux' || !existsSync(file)) return undefined;
  const module = { exports: {} as { available?: boolean; reason?: string } & Record<string, unknown> };
  try {
    process.dlopen(module, file);
  } catch (error) {
    onError(error);
    return undefined;
  }
  const { available, reason } = module.exports;
  const missing = names.filter((name) => typeof module.exports[name] !== 'function');
  if (available !== true || missing.length > 0) {
    onError(new Error(`${file}: ${reason ?? `no ${missing.map((name) => `${name}()`).join(' or ')}`}`));
    return undefined;
  }
  return Object.fromEntries(names.map((name) => [name, module.exports[name]])) as T;
}
