// VS Code's platform targets and what each needs from sharp: the npm flags that install that
// platform's prebuilt binaries, the @img packages they land in, and the binary format every native
// file in its package must have (checked from the headers by scripts/vsixCheck.mjs).
// sharp 0.35's own names differ from VS Code's (linux-armhf is "linux-arm", alpine is "linuxmusl").

/** @typedef {{ format: 'elf' | 'macho' | 'pe', arch: 'x64' | 'arm64' | 'arm', libc?: 'glibc' | 'musl' }} Binary */
/**
 * `nativeHelpers`: the files of scripts/native.mjs the target's package must carry (built on a
 * linux-x64 machine with glibc, as releases are); elsewhere the engine runs on sharp alone.
 * `runsHere`: how `npm run test:platforms` runs its package on this x86-64 Linux machine.
 * @typedef {{ npm: string[], sharp: string, libvips?: string, binary: Binary, nativeHelpers?: string[], runsHere?: 'native' | 'qemu' | 'wine' }} Target
 */

/** @type {Record<string, Target>} */
export const TARGETS = {
  'win32-x64': { npm: ['--os=win32', '--cpu=x64'], sharp: 'sharp-win32-x64', binary: { format: 'pe', arch: 'x64' }, runsHere: 'wine' },
  'win32-arm64': { npm: ['--os=win32', '--cpu=arm64'], sharp: 'sharp-win32-arm64', binary: { format: 'pe', arch: 'arm64' } },
  'darwin-x64': { npm: ['--os=darwin', '--cpu=x64'], sharp: 'sharp-darwin-x64', libvips: 'sharp-libvips-darwin-x64', binary: { format: 'macho', arch: 'x64' } },
  'darwin-arm64': { npm: ['--os=darwin', '--cpu=arm64'], sharp: 'sharp-darwin-arm64', libvips: 'sharp-libvips-darwin-arm64', binary: { format: 'macho', arch: 'arm64' } },
  'linux-x64': { npm: ['--os=linux', '--cpu=x64', '--libc=glibc'], sharp: 'sharp-linux-x64', libvips: 'sharp-libvips-linux-x64', binary: { format: 'elf', arch: 'x64', libc: 'glibc' }, nativeHelpers: ['turbojpeg.node'], runsHere: 'native' },
  'linux-arm64': { npm: ['--os=linux', '--cpu=arm64', '--libc=glibc'], sharp: 'sharp-linux-arm64', libvips: 'sharp-libvips-linux-arm64', binary: { format: 'elf', arch: 'arm64', libc: 'glibc' }, runsHere: 'qemu' },
  'linux-armhf': { npm: ['--os=linux', '--cpu=arm', '--libc=glibc'], sharp: 'sharp-linux-arm', libvips: 'sharp-libvips-linux-arm', binary: { format: 'elf', arch: 'arm', libc: 'glibc' } },
  'alpine-x64': { npm: ['--os=linux', '--cpu=x64', '--libc=musl'], sharp: 'sharp-linuxmusl-x64', libvips: 'sharp-libvips-linuxmusl-x64', binary: { format: 'elf', arch: 'x64', libc: 'musl' } },
  'alpine-arm64': { npm: ['--os=linux', '--cpu=arm64', '--libc=musl'], sharp: 'sharp-linuxmusl-arm64', libvips: 'sharp-libvips-linuxmusl-arm64', binary: { format: 'elf', arch: 'arm64', libc: 'musl' } },
};

/** The @img packages a target's VSIX carries. */
export function imgPackages(target) {
  const t = TARGETS[target];
  return [t.sharp, t.libvips].filter(Boolean);
}

/** This machine's VS Code target (what `npm run package` makes). */
export function hostTarget() {
  const musl = process.platform === 'linux' && !process.report?.getReport().header.glibcVersionRuntime;
  const arch = process.platform === 'linux' && process.arch === 'arm' ? 'armhf' : process.arch;
  const target = musl ? `alpine-${arch}` : `${process.platform}-${arch}`;
  if (!TARGETS[target]) throw new Error(`no VS Code target for this machine (${target})`);
  return target;
}

/** Reads `FT_VSIX_TARGET`-style names strictly: a typo must not package something else. */
export function checkTarget(target) {
  if (!TARGETS[target]) throw new Error(`unknown target "${target}"; one of ${Object.keys(TARGETS).join(', ')}`);
  return target;
}
