// What a native file is, read from its headers (never from its name): ELF (machine, class, and
// the C library it links: glibc's libc.so.6 or musl's), Mach-O (CPU type, thin or universal) or
// PE (machine). Returns undefined for anything else.

const ELF_MACHINES = { 0x3e: 'x64', 0xb7: 'arm64', 0x28: 'arm', 0x03: 'ia32' };
const MACHO_CPUS = { 0x01000007: 'x64', 0x0100000c: 'arm64', 0x07: 'ia32', 0x0c: 'arm' };
const PE_MACHINES = { 0x8664: 'x64', 0xaa64: 'arm64', 0x14c: 'ia32', 0x1c4: 'arm' };

/** @returns {{ format: 'elf' | 'macho' | 'pe', archs: string[], bits?: number, libc?: 'glibc' | 'musl', hardFloat?: boolean } | undefined} */
export function binaryFormat(buf) {
  if (buf.length < 64) return undefined;
  if (buf.readUInt32BE(0) === 0x7f454c46) return elf(buf);
  const magicLE = buf.readUInt32LE(0);
  if (magicLE === 0xfeedfacf || magicLE === 0xfeedface) return { format: 'macho', archs: [MACHO_CPUS[buf.readUInt32LE(4)] ?? `cpu 0x${buf.readUInt32LE(4).toString(16)}`] };
  if (buf.readUInt32BE(0) === 0xcafebabe && buf.readUInt32BE(4) < 20) {
    // A universal binary: a big-endian table of its slices' CPU types (Java class files share the magic, with big counts).
    const archs = [];
    for (let i = 0; i < buf.readUInt32BE(4); i++) archs.push(MACHO_CPUS[buf.readUInt32BE(8 + i * 20)] ?? `cpu 0x${buf.readUInt32BE(8 + i * 20).toString(16)}`);
    return { format: 'macho', archs };
  }
  if (buf.toString('latin1', 0, 2) === 'MZ') {
    const pe = buf.readUInt32LE(0x3c);
    if (pe + 6 <= buf.length && buf.readUInt32BE(pe) === 0x50450000) {
      const machine = buf.readUInt16LE(pe + 4);
      return { format: 'pe', archs: [PE_MACHINES[machine] ?? `machine 0x${machine.toString(16)}`] };
    }
  }
  return undefined;
}

function elf(buf) {
  const bits = buf[4] === 2 ? 64 : 32;
  const le = buf[5] === 1;
  const u16 = (o) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const word = (o) => (bits === 64 ? Number(le ? buf.readBigUInt64LE(o) : buf.readBigUInt64BE(o)) : u32(o));
  const machine = u16(18);
  const flags = u32(bits === 64 ? 48 : 36);
  const result = { format: 'elf', bits, archs: [ELF_MACHINES[machine] ?? `machine 0x${machine.toString(16)}`] };
  if (machine === 0x28) result.hardFloat = (flags & 0x400) !== 0; // EF_ARM_ABI_FLOAT_HARD
  // The libraries it needs: DT_NEEDED entries of the SHT_DYNAMIC section, named in its string table.
  const shoff = word(bits === 64 ? 40 : 32);
  const shentsize = u16(bits === 64 ? 58 : 46);
  const shnum = u16(bits === 64 ? 60 : 48);
  const section = (i) => {
    const o = shoff + i * shentsize;
    return { type: u32(o + 4), offset: word(bits === 64 ? o + 24 : o + 16), size: word(bits === 64 ? o + 32 : o + 20), link: u32(bits === 64 ? o + 40 : o + 24) };
  };
  const needed = [];
  for (let i = 0; shoff && i < shnum; i++) {
    const dyn = section(i);
    if (dyn.type !== 6) continue;
    const strtab = section(dyn.link);
    const entry = bits === 64 ? 16 : 8;
    for (let o = dyn.offset; o + entry <= dyn.offset + dyn.size; o += entry) {
      const tag = word(o);
      if (tag === 0) break;
      if (tag !== 1) continue;
      const start = strtab.offset + word(o + entry / 2);
      needed.push(buf.toString('latin1', start, buf.indexOf(0, start)));
    }
  }
  if (needed.some((n) => /^libc\.musl-|^ld-musl-/.test(n))) result.libc = 'musl';
  else if (needed.includes('libc.so.6')) result.libc = 'glibc';
  result.needed = needed;
  return result;
}
