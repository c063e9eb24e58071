/**
 * Reads NumPy `.npy` files (format versions 1.0–3.0, C order): the header is
 * a Python dict literal, `{'descr': '<f4', 'fortran_order': False, 'shape': (10, 784), }`,
 * padded with spaces, then the raw values. Only what `np.save` writes for
 * plain numeric arrays is accepted; anything else gets an error saying how
 * to re-save the array.
 */
import { formatFloat32, formatFloat64 } from './decimal.js';

export interface NpyData {
  shape: number[];
  /** NumPy's name for the type, e.g. float32. */
  dtype: string;
  /** Every value as the decimal text sent to the board, in C order. */
  texts: string[];
}

interface Kind {
  name: string;
  size: number;
  read(view: DataView, offset: number, little: boolean): string;
}

const KINDS: Record<string, Kind> = {
  i1: { name: 'int8', size: 1, read: (v, o) => String(v.getInt8(o)) },
  u1: { name: 'uint8', size: 1, read: (v, o) => String(v.getUint8(o)) },
  i2: { name: 'int16', size: 2, read: (v, o, le) => String(v.getInt16(o, le)) },
  u2: { name: 'uint16', size: 2, read: (v, o, le) => String(v.getUint16(o, le)) },
  i4: { name: 'int32', size: 4, read: (v, o, le) => String(v.getInt32(o, le)) },
  u4: { name: 'uint32', size: 4, read: (v, o, le) => String(v.getUint32(o, le)) },
  // NumPy's default integer type: np.array([1, 2]) is int64.
  i8: { name: 'int64', size: 8, read: (v, o, le) => String(v.getBigInt64(o, le)) },
  u8: { name: 'uint64', size: 8, read: (v, o, le) => String(v.getBigUint64(o, le)) },
  f4: { name: 'float32', size: 4, read: (v, o, le) => formatFloat32(v.getFloat32(o, le)) },
  // NumPy's default float type.
  f8: { name: 'float64', size: 8, read: (v, o, le) => formatFloat64(v.getFloat64(o, le)) },
};

const MAGIC = Buffer.from([0x93, ...Buffer.from('NUMPY')]);
const RESAVE = 'save it with np.save(path, np.ascontiguousarray(a, dtype=np.float32)) (or int8/uint8/int16/int32)';

function headerField(header: string, key: string): string | null {
  const m = new RegExp(`['"]${key}['"]\\s*:\\s*(\\([^)]*\\)|'[^']*'|"[^"]*"|True|False)`).exec(header);
  return m?.[1] ?? null;
}

export function parseNpy(buf: Buffer, file: string): NpyData {
  const bad = (why: string): Error => new Error(`${file}: not a valid .npy file: ${why}; ${RESAVE}`);
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw bad('it does not start with the NumPy magic \\x93NUMPY');
  const major = buf.readUInt8(6);
  if (major < 1 || major > 3) throw bad(`unknown format version ${major}.${buf[7]}`);
  const lenSize = major === 1 ? 2 : 4;
  const headerStart = 8 + lenSize;
  if (buf.length < headerStart) throw bad('the header is cut short');
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const dataStart = headerStart + headerLen;
  if (buf.length < dataStart) throw bad(`the header claims ${headerLen} bytes but the file ends before them`);
  const header = buf.subarray(headerStart, dataStart).toString(major === 3 ? 'utf8' : 'latin1');

  const descr = headerField(header, 'descr');
  const fortran = headerField(header, 'fortran_order');
  const shapeText = headerField(header, 'shape');
  if (!descr || !fortran || !shapeText) throw bad(`its header (${header.length} characters) lacks descr, fortran_order or shape`);
  if (fortran === 'True') throw new Error(`${file}: the array is stored in Fortran order; ${RESAVE}`);

  const m = /^['"]([<>|=]?)([a-zA-Z])(\d+)['"]$/.exec(descr);
  const kind = m ? KINDS[`${m[2]}${m[3]}`] : undefined;
  if (!m || !kind) {
    throw new Error(
      `${file}: dtype ${m ? descr : '(not a NumPy type code)'} is not supported (only plain integers and floats: int8, uint8, int16, int32, float32, ...); ${RESAVE}`,
    );
  }
  const little = m[1] !== '>';

  const dims = shapeText
    .slice(1, -1)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (!dims.every((d) => /^\d+L?$/.test(d))) throw bad('its shape is not a tuple of sizes');
  const shape = dims.map((d) => Number.parseInt(d, 10));
  const count = shape.reduce((a, b) => a * b, 1);
  if (count === 0) throw new Error(`${file}: the array of shape (${shape.join(', ')}) holds no values`);

  const dataBytes = buf.length - dataStart;
  const expected = count * kind.size;
  if (dataBytes < expected) throw bad(`shape (${shape.join(', ')}) of ${kind.name} needs ${expected} data bytes, the file holds ${dataBytes} (truncated?)`);
  if (dataBytes > expected) throw bad(`${dataBytes - expected} bytes follow the ${expected} data bytes of shape (${shape.join(', ')})`);

  const view = new DataView(buf.buffer, buf.byteOffset + dataStart, expected);
  const texts = new Array<string>(count);
  let i = 0;
  try {
    for (; i < count; i++) texts[i] = kind.read(view, i * kind.size, little);
  } catch (e) {
    throw new Error(`${file}: value ${i} (in C order): ${(e as Error).message}`);
  }
  return { shape, dtype: kind.name, texts };
}
