/**
 * Real toolchain archives for the tests, in Arm's layout, made from the
 * Debian toolchain (real arm-none-eabi binaries, GCC 12.2.1), plus hostile
 * archives written with Python's tarfile/zipfile, which can put any name and
 * link target in an entry.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { VersionsTable } from '../../src/toolchain/install.js';
import type { HostArchive } from '../../src/toolchain/table.js';

const run = promisify(execFile);

/** What the Debian gcc prints as its version; test releases claim it. */
export const DEBIAN_GCC_VERSION = '12.2.1';
export const ROOT_NAME = 'arm-gnu-toolchain-12.2.rel1-x86_64-arm-none-eabi';
const TOOLS = ['gcc', 'as', 'objcopy', 'size'];

export interface Archives {
  work: string;
  /** Archive file name → bytes. */
  files: Map<string, Buffer>;
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A fresh scratch directory under the system temp dir. */
export function scratch(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `allhw-tc-${prefix}-`));
}

/** The Arm-layout toolchain as .tar.xz, .tar.bz2 and .zip (plus the hostile archives). */
export async function buildArchives(): Promise<Archives> {
  const work = await scratch('fixtures');
  const tree = path.join(work, 'tree');
  const root = path.join(tree, ROOT_NAME);
  await mkdir(path.join(root, 'bin'), { recursive: true });
  for (const tool of TOOLS) await copyFile(`/usr/bin/arm-none-eabi-${tool}`, path.join(root, 'bin', `arm-none-eabi-${tool}`));
  // Arm's archives carry internal relative links like this one; they must pass the guard.
  await mkdir(path.join(root, 'lib', 'bfd-plugins'), { recursive: true });
  await symlink('../../bin/arm-none-eabi-gcc', path.join(root, 'lib', 'bfd-plugins', 'gcc-link'));
  await mkdir(path.join(root, 'share', 'doc'), { recursive: true });
  await writeFile(path.join(root, 'share', 'doc', 'README.txt'), 'test toolchain made from the Debian arm-none-eabi packages\n');

  const out = path.join(work, 'out');
  await mkdir(out);
  const env = { ...process.env, XZ_OPT: '-1 -T0' };
  await run('tar', ['-C', tree, '-cJf', path.join(out, `${ROOT_NAME}.tar.xz`), ROOT_NAME], { env });
  await run('tar', ['-C', tree, '-cjf', path.join(out, `${ROOT_NAME}.tar.bz2`), ROOT_NAME]);
  await run('zip', ['-qry', path.join(out, `${ROOT_NAME}.zip`), ROOT_NAME], { cwd: tree });
  await run('python3', ['-c', HOSTILE, out]);

  const files = new Map<string, Buffer>();
  for (const name of await readdir(out)) files.set(name, await readFile(path.join(out, name)));
  await rm(tree, { recursive: true, force: true });
  return { work, files };
}

/** Hostile archives: each also holds a fake bin/arm-none-eabi-gcc, so only the guard stops it. */
const HOSTILE = String.raw`
import io, sys, tarfile, zipfile
out = sys.argv[1]
def tar(name, entries):
    with tarfile.open(f"{out}/{name}", "w:xz") as t:
        for kind, path, extra in entries:
            info = tarfile.TarInfo(path)
            if kind == "file":
                data = extra.encode()
                info.size = len(data)
                info.mode = 0o755
                t.addfile(info, io.BytesIO(data))
            elif kind == "symlink":
                info.type = tarfile.SYMTYPE
                info.linkname = extra
                t.addfile(info)
            elif kind == "hardlink":
                info.type = tarfile.LNKTYPE
                info.linkname = extra
                t.addfile(info)
            elif kind == "fifo":
                info.type = tarfile.FIFOTYPE
                t.addfile(info)
gcc = ("file", "tc/bin/arm-none-eabi-gcc", "#!/bin/sh\necho fake\n")
tar("dotdot.tar.xz", [gcc, ("file", "tc/../../escape.txt", "escaped\n")])
tar("absolute.tar.xz", [gcc, ("file", "/tmp/allhw-escape.txt", "escaped\n")])
tar("symlink-out.tar.xz", [gcc, ("symlink", "tc/lib", "../../..")])
tar("symlink-abs.tar.xz", [gcc, ("symlink", "tc/etc", "/etc")])
tar("hardlink-out.tar.xz", [gcc, ("hardlink", "tc/passwd", "../../etc/passwd")])
tar("through-link.tar.xz", [gcc, ("symlink", "tc/up", "."), ("file", "tc/up/escape.txt", "x\n")])
tar("fifo.tar.xz", [gcc, ("fifo", "tc/pipe", None)])
def zipfile_with(name, entries):
    with zipfile.ZipFile(f"{out}/{name}", "w", zipfile.ZIP_DEFLATED) as z:
        for kind, path, extra in entries:
            info = zipfile.ZipInfo(path)
            info.create_system = 3
            if kind == "symlink":
                info.external_attr = (0o120777 << 16)
            else:
                info.external_attr = (0o100755 << 16)
            z.writestr(info, extra)
zipfile_with("dotdot.zip", [gcc, ("file", "../escape.txt", "escaped\n")])
zipfile_with("symlink-out.zip", [gcc, ("symlink", "tc/lib", "../../..")])
`;

/** A one-release table serving `file` from `urls[0]` (then the rest), with the file's real sha256. */
export function tableFor(
  archives: Archives,
  file: string,
  urls: string[],
  release: { name?: string; gccVersion?: string; checksum?: HostArchive['checksum'] } = {},
): VersionsTable {
  const bytes = archives.files.get(file);
  if (!bytes) throw new Error(`no fixture archive ${file}`);
  const checksum = release.checksum === undefined ? { algorithm: 'sha256' as const, value: sha256(bytes) } : release.checksum;
  return {
    version: 1,
    releases: [
      {
        name: release.name ?? '12.2.Rel1',
        gccVersion: release.gccVersion ?? DEBIAN_GCC_VERSION,
        hosts: {
          'linux-x64': { file, url: `${urls[0]}/${file}`, mirrors: urls.slice(1).map((u) => `${u}/${file}`), checksum, checksumSource: 'test fixture' },
        },
      },
    ],
  };
}
