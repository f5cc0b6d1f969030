/**
 * Loads allocator.node (allocator.c, built by scripts/native.mjs on Linux with glibc). Plain Node,
 * no vscode: the extension host uses it to return the memory its render threads freed.
 */
import { existsSync } from 'node:fs';

export interface Allocator {
  /** Returns freed heap memory to the system (glibc's malloc_trim) off the JS thread; true when some was. */
  trim(): Promise<boolean>;
}

/**
 * The addon at `file`, or undefined where there is none (not Linux/glibc, or not built). A file
 * that is there but cannot be loaded is reported through `onError` and also gives undefined:
 * everything works without it.
 */
export function loadAllocator(file: string, onError: (error: unknown) => void = () => undefined): Allocator | undefined {
  if (process.platform !== 'linux' || !existsSync(file)) return undefined;
  const module = { exports: {} as Partial<Allocator> };
  try {
    process.dlopen(module, file);
  } catch (error) {
    onError(error);
    return undefined;
  }
  const { trim } = module.exports;
  if (typeof trim !== 'function') {
    onError(new Error(`${file} has no trim()`));
    return undefined;
  }
  return { trim: () => trim() };
}
