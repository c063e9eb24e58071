/**
 * Finding the image(s) a build produced, or the ones the `image` glob names.
 *
 * One image per build artifact: synth.elf and synth.hex side by side are one
 * artifact, submitted as the ELF (QEMU and All-HW both take it, and it is what
 * the size report reads); a HEX is submitted only when no ELF of the same
 * name is there, or when the `image` glob names the HEX alone.
 */
import { glob, open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { EM_ARM, ELF_IDENT_BYTES, ET_EXEC, elfHeader, isElfMagic, type ImageFormat } from '../common/elf.js';
import { BuildError } from './errors.js';

export interface FoundImage {
  path: string;
  format: ImageFormat;
  /** An ELF of the same artifact to size a HEX by, or null. */
  elfForSize: string | null;
}

const SKIPPED_DIRS = new Set(['.git', 'node_modules', 'CMakeFiles']);
const IMAGE_EXTENSIONS = new Set(['.elf', '.axf', '.hex']);
const MAX_DEPTH = 8;

async function head(file: string, length: number): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** What a file holds, judged by its first bytes, not its name. */
export async function imageFormat(file: string): Promise<ImageFormat | null> {
  const bytes = await head(file, ELF_IDENT_BYTES);
  if (isElfMagic(bytes)) return 'elf';
  const text = bytes.toString('latin1').trimStart();
  return /^:[0-9A-Fa-f]{8}/.test(text) ? 'hex' : null;
}

/** An Arm executable ELF (not an object file), for files without an extension. */
async function isArmExecutable(file: string): Promise<boolean> {
  const header = elfHeader(await head(file, ELF_IDENT_BYTES));
  return header !== null && header.type === ET_EXEC && header.machine === EM_ARM;
}

interface Candidate {
  path: string;
  mtimeMs: number;
}

/** ELF (.elf, .axf, or an extensionless Arm executable) and Intel HEX files under dir. */
export async function scanImages(dir: string, skip: string[] = []): Promise<Candidate[]> {
  const found: Candidate[] = [];
  const walk = async (current: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(current, e.name);
      if (e.isDirectory()) {
        if (depth < MAX_DEPTH && !SKIPPED_DIRS.has(e.name) && !skip.includes(full)) await walk(full, depth + 1);
        continue;
      }
      if (!e.isFile()) continue;
      const ext = path.extname(e.name).toLowerCase();
      const image = IMAGE_EXTENSIONS.has(ext) ? (await imageFormat(full)) !== null : ext === '' && (await isArmExecutable(full));
      if (image) found.push({ path: full, mtimeMs: (await stat(full)).mtimeMs });
    }
  };
  await walk(dir, 0);
  return found.sort((a, b) => a.path.localeCompare(b.path));
}

/** Groups files by artifact (same directory and base name) and picks one file per artifact. */
export async function groupArtifacts(files: string[]): Promise<FoundImage[]> {
  const byArtifact = new Map<string, { elf: string[]; hex: string[] }>();
  for (const file of files) {
    const format = await imageFormat(file);
    if (!format) continue;
    const key = path.join(path.dirname(file), path.basename(file, path.extname(file)));
    const group = byArtifact.get(key) ?? { elf: [], hex: [] };
    group[format].push(file);
    byArtifact.set(key, group);
  }
  const images: FoundImage[] = [];
  for (const group of byArtifact.values()) {
    const [elf] = group.elf;
    const [hex] = group.hex;
    if (elf !== undefined) images.push({ path: elf, format: 'elf', elfForSize: elf });
    else if (hex !== undefined) images.push({ path: hex, format: 'hex', elfForSize: null });
  }
  return images.sort((a, b) => a.path.localeCompare(b.path));
}

/** An ELF next to a HEX (same base name), to size the HEX by. */
export async function siblingElf(hexPath: string): Promise<string | null> {
  const stem = path.join(path.dirname(hexPath), path.basename(hexPath, path.extname(hexPath)));
  for (const candidate of [`${stem}.elf`, `${stem}.axf`, stem]) {
    try {
      if ((await stat(candidate)).isFile() && (await imageFormat(candidate)) === 'elf') return candidate;
    } catch {
      /* not there */
    }
  }
  return null;
}

/**
 * The images the build produced under searchDir. Files (re)written by this
 * build win; when the build rewrote none (an up-to-date make), the ones
 * already there are taken.
 */
export async function discoverImages(searchDir: string, startedAtMs: number, skip: string[]): Promise<{ images: FoundImage[]; stale: boolean }> {
  const all = await scanImages(searchDir, skip);
  // Coarse file-system clocks: a little slack before the build's start.
  const fresh = all.filter((c) => c.mtimeMs >= startedAtMs - 2000);
  const chosen = fresh.length > 0 ? fresh : all;
  return { images: await groupArtifacts(chosen.map((c) => c.path)), stale: fresh.length === 0 && all.length > 0 };
}

/** The files an `image` input names: globs (comma or newline separated) relative to the project dir. */
export async function globImages(patterns: string[], projectDir: string): Promise<{ images: FoundImage[]; unmatched: string[] }> {
  const files = new Set<string>();
  const unmatched: string[] = [];
  for (const pattern of patterns) {
    let matched = 0;
    for await (const entry of glob(pattern, { cwd: projectDir })) {
      const full = path.resolve(projectDir, entry);
      if (!(await stat(full)).isFile()) continue;
      matched++;
      const format = await imageFormat(full);
      if (!format) {
        throw new BuildError(
          `'image' pattern '${pattern}' names ${full}, which is neither ELF nor Intel HEX: set 'image' to the ELF (.elf, .axf) or Intel HEX (.hex) image, the only kinds All-HW and the emulated board take.`,
        );
      }
      files.add(full);
    }
    if (matched === 0) unmatched.push(pattern);
  }
  const images = await groupArtifacts([...files]);
  for (const image of images) if (image.format === 'hex') image.elfForSize = await siblingElf(image.path);
  return { images, unmatched };
}

/** Unique, stable, file-name-safe names: <board>-<base name>, or with the directory when base names repeat. */
export function imageNames(board: string, files: string[], root: string): string[] {
  const safe = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '_');
  const stem = (f: string): string => path.basename(f, path.extname(f));
  const short = files.map((f) => safe(`${board}-${stem(f)}`));
  return files.map((f) => {
    const own = safe(`${board}-${stem(f)}`);
    if (short.filter((s) => s === own).length === 1) return own;
    const rel = path.relative(root, path.join(path.dirname(f), stem(f)));
    return safe(`${board}-${rel.split(path.sep).join('-')}`);
  });
}
