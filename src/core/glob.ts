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
 * Compiles globs into one predicate over relative paths. `*` and `?` stay within one path
 * segment, `**` crosses segments, `{a,b}` alternates, `[abc]`, `[a-z]` and `[!a]` are character
 * classes. A trailing "/**" also matches the folder itself: leaving out everything in a folder is
 * leaving out the folder. A folder that matches is not entered at all.
 */
export function compileGlobs(globs: readonly string[], bare: BareGlob): (relPath: string) => boolean {
  if (globs.length === 0) return () => false;
  const regexes = globs.map((glob) => {
    let g = glob.trim().replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '');
    const anyDepth = bare === 'anyDepth' && !g.includes('/');
    let folderToo = false;
    if (g.endsWith('/**')) {
      g = g.slice(0, -3);
      folderToo = true;
    }
    const body = globToRegex(g) + (folderToo ? '(?:/.*)?' : '');
    return new RegExp(anyDepth ? `(^|/)${body}$` : `^${body}$`);
  });
  return (relPath) => regexes.some((re) => re.test(relPath));
}

function globToRegex(glob: string): string {
  let out = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // "**/" matches zero or more whole segments; "**" elsewhere matches anything.
        if (glob[i + 2] === '/') {
          out += '(?:.*/)?';
          i += 2;
        } else {
          out += '.*';
          i += 1;
        }
      } else {
        out += '[^/]*';
      }
    } else if (c === '?') out += '[^/]';
    else if (c === '[' && glob.indexOf(']', i + 2) > i) {
      const end = glob.indexOf(']', i + 2);
      let set = glob.slice(i + 1, end);
      const negated = set[0] === '!' || set[0] === '^';
      if (negated) set = set.slice(1);
      out += `[${negated ? '^/' : ''}${set.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else if (c === '{') {
      braces++;
      out += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (c === ',' && braces > 0) out += '|';
    else out += c.replace(/[.+^$()|[\]\\{}]/g, '\\$&');
  }
  return out;
}
