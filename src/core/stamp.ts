/**
 * How "up to date" is recorded without reading any file: a thumbnail's mtime is set to a value
 * derived from its source's mtime and the settings that shape its pixels, so a second run needs
 * only stat calls. The box is already in the thumbnail's path (…/256x256/…); quality and the
 * render revision are folded into the millisecond part:
 *
 *     thumbnail mtime = trunc(source mtime in ms) + 1000 ms + fingerprint (1..999 ms)
 *
 * This is always at least one second newer than the source, is unique per (source mtime,
 * quality) for a given source, and survives copies that keep mtimes. A manifest file per output
 * folder was the alternative; it costs a read and a write per folder, can go stale on its own,
 * and must be written atomically too. On file systems that keep only whole or even seconds (FAT,
 * some network shares) the stamp never matches and thumbnails are simply remade each time.
 */

/**
 * Bump when the rendering changes in a way that should remake every thumbnail (max 8).
 * 2: thumbnails carry the tool's mark (ownership.ts); remade once, every thumbnail can be proved
 * ours by its own bytes, also after its source is gone.
 */
export const RENDER_REVISION = 2;

/** The settings fingerprint, 1..999: distinct for every quality 1..100 and revision 0..8. */
export function settingsFingerprint(quality: number): number {
  return RENDER_REVISION * 100 + quality;
}

/** The mtime, in ms, a thumbnail of a source with `sourceMtimeMs` made at `quality` carries. */
export function thumbnailStampMs(sourceMtimeMs: number, quality: number): number {
  return Math.trunc(sourceMtimeMs) + 1000 + settingsFingerprint(quality);
}

/** True when a thumbnail's mtime says it was made from this source mtime with this quality. */
export function isStampCurrent(thumbnailMtimeMs: number, sourceMtimeMs: number, quality: number): boolean {
  // utimes and stat round-trip through doubles and nanoseconds; half a millisecond absorbs that.
  return Math.abs(thumbnailMtimeMs - thumbnailStampMs(sourceMtimeMs, quality)) < 0.5;
}

/**
 * True when a thumbnail's mtime is a stamp this tool writes for this source mtime: any revision
 * up to today's, any quality. The proof of ownership for thumbnails made before they carried the
 * mark (ownership.ts); it needs the source, so it proves nothing about an orphan.
 */
export function isOwnStamp(thumbnailMtimeMs: number, sourceMtimeMs: number): boolean {
  const fingerprint = thumbnailMtimeMs - (Math.trunc(sourceMtimeMs) + 1000);
  const whole = Math.round(fingerprint);
  return Math.abs(fingerprint - whole) < 0.5 && whole >= 101 && whole <= RENDER_REVISION * 100 + 100 && whole % 100 !== 0;
}
