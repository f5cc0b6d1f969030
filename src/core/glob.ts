import picomatch from 'picomatch';

/**
 * The one glob matcher, for `thumbnails.exclude` (and the CLI's `--exclude`) and for the editor's
 * `files.exclude`. Paths are relative, with "/" separators, case-sensitive as on Linux.
 */

/**
 * How a glob without "/" is anchored. 'anyDepth' (thumbnails.exclude): it matches a file or
 * folder name at any depth, as in .gitignore. 'root' (files.exclude, VS Code's glob): it matches
 * only at the top, so `**\/name` is the any-depth form.
 */
export type BareGlob = 'anyDepth' | 'root';

/**
 * Compiles globs into one predicate over relative paths, with picomatch (the matcher behind
 * chokidar and micromatch): `*` and `?` stay within one path segment, `**` crosses segments,
 * `{a,b}` alternates, `[a-z]` and `[!a]` are character classes, `\\` escapes. Names starting with
 * a dot match like any other. A trailing "/**" also matches the folder itself: leaving out
 * everything in a folder is leaving out the folder. A folder that matches is not entered at all.
 */
export function compileGlobs(globs: readonly string[], bare: BareGlob): (relPath: string) => boolean {
  if (globs.length === 0) return () => false;
  const matchers = globs.map((glob) => {
    let g = glob.trim().replace(/^\.\//, '').replace(/\/+$/, '');
    if (g.endsWith('/**')) g = g.slice(0, -3);
    // Shells, .gitignore and VS Code negate a class with "!"; picomatch only with "^".
    g = g.replace(/\[!/g, '[^');
    // The folder itself, or anything below it.
    return picomatch([g, `${g}/**`], { dot: true, basename: bare === 'anyDepth' && !g.includes('/') });
  });
  return (relPath) => matchers.some((isMatch) => isMatch(relPath));
}
