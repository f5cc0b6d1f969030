/**
 * Decides, with stat calls only, what a source still needs: which thumbnails are missing or out
 * of date (see stamp.ts), or that the source cannot be used at all.
 */
import { readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { FileError, type FailureCodeName } from './errors';
import { scanImages, scanOptionsFor } from './scan';
import { boxName, type Box, type ThumbnailSettings } from './settings';
import { checkKind, identityOf, openError, type FileIdentity } from './source';
import { isStampCurrent } from './stamp';

/** One thumbnail a source should have. */
export interface PlannedOutput extends Box {
  dest: string;
}

/** The plan for one source. */
export type SourcePlan =
  | { kind: 'render'; outputs: PlannedOutput[]; source: FileIdentity }
  | { kind: 'skip' }
  | { kind: 'fail'; code: FailureCodeName; message: string };

/**
 * Where the thumbnail of `source` for `box` goes: <dir>/<outputFolder>/<W>x<H>/<source name>.
 * The source's full file name is kept (not only its stem) so that a.jpg and a.jpeg in one folder
 * cannot overwrite each other's thumbnails.
 */
export function thumbnailPath(source: string, outputFolderName: string, box: Box): string {
  return path.join(path.dirname(source), outputFolderName, boxName(box), path.basename(source));
}

/** Plans one source: one stat of it, plus one per size unless `force`. */
export async function planSource(
  source: string,
  opts: { sizes: readonly Box[]; quality: number; outputFolderName: string; force: boolean },
): Promise<SourcePlan> {
  let identity: FileIdentity;
  try {
    const st = await stat(source);
    checkKind(source, st.isFile(), st.size);
    identity = identityOf(st);
  } catch (error) {
    const failure = error instanceof FileError ? error : openError(source, error);
    return { kind: 'fail', code: failure.code, message: failure.message };
  }
  const all = opts.sizes.map((box) => ({ ...box, dest: thumbnailPath(source, opts.outputFolderName, box) }));
  if (opts.force) return { kind: 'render', outputs: all, source: identity };
  const current = await Promise.all(
    all.map((o) =>
      stat(o.dest).then(
        (st) => st.isFile() && isStampCurrent(st.mtimeMs, identity.mtimeMs, opts.quality),
        () => false,
      ),
    ),
  );
  const outputs = all.filter((_, i) => !current[i]);
  return outputs.length === 0 ? { kind: 'skip' } : { kind: 'render', outputs, source: identity };
}

/**
 * How many thumbnail files exist for the images of `folder`, i.e. what a regenerate would
 * overwrite. One listing per output size folder; no image is opened.
 */
export async function countExistingThumbnails(
  folder: string,
  settings: Parameters<typeof scanOptionsFor>[0] & Pick<ThumbnailSettings, 'sizes'>,
  signal?: AbortSignal,
): Promise<number> {
  const listings = new Map<string, Promise<ReadonlySet<string>>>();
  const listing = (dir: string): Promise<ReadonlySet<string>> => {
    let names = listings.get(dir);
    if (!names) {
      names = readdir(dir).then((n) => new Set(n), () => new Set<string>());
      listings.set(dir, names);
    }
    return names;
  };
  let existing = 0;
  for await (const source of scanImages(folder, { ...scanOptionsFor(settings), signal })) {
    for (const box of settings.sizes) {
      const dest = thumbnailPath(source, settings.outputFolderName, box);
      if ((await listing(path.dirname(dest))).has(path.basename(dest))) existing++;
    }
  }
  return existing;
}
