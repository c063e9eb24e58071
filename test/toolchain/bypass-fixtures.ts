/**
 * Archives that got past the old archive guard (issue 13), written block by
 * block (tar) or field by field (zip) so that nothing normalises them: a
 * pax `path` next to a GNU long name, pax sizes that are not decimal and
 * hide entries, zip symbolic links made on BeOS or VMS, a zip name that
 * Info-ZIP's Unicode Path field replaces, a local header naming another
 * file. Each also holds a fake bin/arm-none-eabi-gcc, so only the guard
 * stops it. Plus a decompression bomb (a small .tar.xz that unpacks to far
 * more than it is).
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Writes the hostile archives into `out`; returns name → bytes. */
export async function buildBypassArchives(out: string): Promise<Map<string, Buffer>> {
  await run('python3', ['-c', BYPASS, out]);
  await run('bash', ['-c', BOMB, 'bomb', out]);
  const files = new Map<string, Buffer>();
  for (const name of await readdir(out)) files.set(name, await readFile(path.join(out, name)));
  return files;
}

/** 256 MiB of zeros in one tar entry, xz -0: about 40 KB of archive. */
const BOMB = String.raw`
set -euo pipefail
out="$1"
python3 - "$out" <<'PY'
import sys, tarfile
info = tarfile.TarInfo("tc/zeros.bin"); info.size = 256 << 20
with open(sys.argv[1] + "/bomb.tar.head", "wb") as f:
    f.write(info.tobuf(format=tarfile.USTAR_FORMAT))
PY
{ cat "$out/bomb.tar.head"; head -c $((256 << 20)) /dev/zero; head -c 1024 /dev/zero; } | xz -0 -T1 > "$out/bomb.tar.xz"
rm "$out/bomb.tar.head"
`;

const BYPASS = String.raw`
import lzma, struct, sys, zipfile, zlib
out = sys.argv[1]

def block(name, kind, size=0, link=""):
    h = bytearray(512)
    def put(off, length, value):
        b = value.encode() if isinstance(value, str) else value
        h[off:off + len(b[:length])] = b[:length]
    put(0, 100, name); put(100, 8, "0000755\0"); put(108, 8, "0000000\0"); put(116, 8, "0000000\0")
    put(124, 12, "%011o\0" % size); put(136, 12, "%011o\0" % 0); put(156, 1, kind); put(157, 100, link)
    put(257, 6, "ustar\0"); put(263, 2, "00")
    h[148:156] = b"        "
    put(148, 8, "%06o\0 " % sum(h))
    return bytes(h)

def body(data):
    return data + b"\0" * (-len(data) % 512)

def pax(records):
    text = b""
    for k, v in records.items():
        rec = (" %s=%s\n" % (k, v)).encode()
        n = len(rec) + 1
        while len(str(n)) + len(rec) != n: n += 1
        text += str(n).encode() + rec
    return block("PaxHeader", "x", len(text)) + body(text)

def gnu_long(name):
    data = name.encode() + b"\0"
    return block("././@LongLink", "L", len(data)) + body(data)

gcc_data = b"#!/bin/sh\necho fake\n"
gcc = block("tc/bin/arm-none-eabi-gcc", "0", len(gcc_data)) + body(gcc_data)
end = b"\0" * 1024

def tar_xz(name, blocks):
    with open(f"{out}/{name}", "wb") as f:
        f.write(lzma.compress(gcc + b"".join(blocks) + end, preset=1))

# The deep name keeps the link inside tc/, the shallow one takes it out of the install dir.
link = block("tc/placeholder", "2", 0, "../../..")
tar_xz("pax-then-gnu.tar.xz", [pax({"path": "tc/a/b/c/link"}), gnu_long("tc/link"), link])
tar_xz("gnu-then-pax.tar.xz", [gnu_long("tc/link"), pax({"path": "tc/a/b/c/link"}), link])
tar_xz("pax-linkpath-then-gnu.tar.xz", [pax({"linkpath": ".."}), block("././@LongLink", "K", 9) + body(b"../../..\0"), block("tc/link", "2", 0, "x")])

# The file's 512 bytes, read as headers by a reader that takes its ustar size (0), hold a FIFO and an absolute link.
for size in ["0x200", "1e3"]:
    hidden_blocks = block("tc/pipe", "6") + block("tc/etc", "2", 0, "/etc")
    skip = 512 if size == "0x200" else 1024
    tar_xz(f"pax-size-{size}.tar.xz", [pax({"size": size}), block("tc/data", "0", 0), hidden_blocks[:skip]])

def zip_entry(z, name, target_or_data, system, mode):
    info = zipfile.ZipInfo(name)
    info.create_system = system
    info.external_attr = mode << 16
    z.writestr(info, target_or_data)

def zip_with(name, entries):
    with zipfile.ZipFile(f"{out}/{name}", "w", zipfile.ZIP_DEFLATED) as z:
        zip_entry(z, "tc/bin/arm-none-eabi-gcc", gcc_data, 3, 0o100755)
        for e in entries: zip_entry(z, *e)

zip_with("symlink-beos.zip", [("tc/lib", "../../..", 16, 0o120777)])
zip_with("symlink-vms.zip", [("tc/lib", "../../..", 2, 0o120777)])
zip_with("symlink-fat.zip", [("tc/lib", "/etc", 0, 0o120777)])

# An "ASi Unix" extra field holding a link's mode, with no mode in the external attributes: unzip makes a link.
asi = struct.pack("<I", 0) + struct.pack("<HIHH", 0o120777, 0, 0, 0)
with zipfile.ZipFile(f"{out}/symlink-asi.zip", "w") as z:
    zip_entry(z, "tc/bin/arm-none-eabi-gcc", gcc_data, 3, 0o100755)
    info = zipfile.ZipInfo("tc/lib"); info.create_system = 3; info.external_attr = 0
    info.extra = struct.pack("<HH", 0x756e, len(asi)) + asi
    z.writestr(info, b"../../..")
# zipfile puts 0o600 in attributes left 0: clear them again in the central directory.
data = bytearray(open(f"{out}/symlink-asi.zip", "rb").read())
at = data.rindex(b"PK\x01\x02")
assert data[at + 46:at + 52] == b"tc/lib"
data[at + 38:at + 42] = b"\0\0\0\0"
open(f"{out}/symlink-asi.zip", "wb").write(bytes(data))

# Info-ZIP Unicode Path extra field: unzip writes the entry under this name when the CRC of the plain name matches.
plain = b"tc/ok.txt"
upath = b"../escape.txt"
extra = struct.pack("<HHB", 0x7075, 5 + len(upath), 1) + struct.pack("<I", zlib.crc32(plain)) + upath
with zipfile.ZipFile(f"{out}/unicode-path.zip", "w") as z:
    zip_entry(z, "tc/bin/arm-none-eabi-gcc", gcc_data, 3, 0o100755)
    info = zipfile.ZipInfo(plain.decode()); info.create_system = 3; info.external_attr = 0o100644 << 16; info.extra = extra
    z.writestr(info, b"escaped\n")

# Same length names, so only the name bytes differ between the local header and the central directory.
with zipfile.ZipFile(f"{out}/local-name.zip", "w") as z:
    zip_entry(z, "tc/bin/arm-none-eabi-gcc", gcc_data, 3, 0o100755)
    zip_entry(z, "tc/aaaaaaaaaaaa.txt", b"x\n", 3, 0o100644)
data = bytearray(open(f"{out}/local-name.zip", "rb").read())
first = data.index(b"tc/aaaaaaaaaaaa.txt")
data[first:first + 19] = b"../aaaaaaaaaaaa.txt"
open(f"{out}/local-name.zip", "wb").write(bytes(data))
`;
