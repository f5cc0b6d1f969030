/**
 * sharp's documentation (and lovell/sharp#2263): with worker threads on glibc, sharp must also be
 * loaded by the main thread before any worker starts. Otherwise the last worker to exit unloads
 * libvips' shared libraries while their thread-local destructors are still due, and the process
 * crashes. Loading it here keeps the libraries' reference count above zero for the process's
 * life. Called once by the engine before its first task; it is the main thread's only contact
 * with sharp.
 */
let loaded = false;

/** Loads sharp into the calling (main) thread once; cheap on later calls. */
export function keepSharpLoaded(): void {
  if (loaded) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('sharp');
  loaded = true;
}
