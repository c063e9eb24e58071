/**
 * The input sections of a GNU ld map file (-Wl,-Map=...): which object put
 * how many bytes into which section. The ELF's section table only has the
 * output sections (.text holds code and weights alike); the map still knows
 * that default_lib1.c.obj brought 270 KB of .rodata.tvm. Written by hand:
 * no maintained library reads ld maps, and we need only this one table.
 */
export interface InputSection {
  /** Input section name, e.g. '.rodata.tvm', '.bss.input_0', 'COMMON'. */
  section: string;
  address: number;
  size: number;
  /** The object (or archive member) it came from, as the linker printed it. */
  object: string;
}

const ONE_LINE = /^ (\.\S+|COMMON)\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)\s+(\S.*)$/;
const NAME_ONLY = /^ (\.\S+|COMMON)\s*$/;
const CONTINUATION = /^\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)\s+(\S.*)$/;

export function parseLinkerMap(text: string): InputSection[] {
  const start = text.indexOf('Linker script and memory map');
  // Before that heading, "Discarded input sections" lists what --gc-sections dropped.
  const lines = (start < 0 ? '' : text.slice(start)).split(/\r?\n/);
  const out: InputSection[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const one = ONE_LINE.exec(line);
    if (one) {
      const [, section = '', address = '', size = '', object = ''] = one;
      out.push({ section, address: parseInt(address, 16), size: parseInt(size, 16), object: object.trim() });
      continue;
    }
    const name = NAME_ONLY.exec(line);
    const following = lines[i + 1];
    const next = name && following !== undefined ? CONTINUATION.exec(following) : null;
    if (name && next) {
      const [, address = '', size = '', object = ''] = next;
      out.push({ section: name[1] ?? '', address: parseInt(address, 16), size: parseInt(size, 16), object: object.trim() });
      i++;
    }
  }
  return out.filter((s) => s.size > 0);
}
