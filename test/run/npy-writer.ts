/**
 * Writes .npy bytes exactly as the NumPy format spec lays them out
 * (numpy.lib.format): magic, version, little-endian header length, the
 * header dict padded with spaces and ended by '\n' so that the data starts
 * at a multiple of 64, then the raw values in C order.
 */
export function npyBytes(descr: string, shape: number[], data: Buffer, opts: { version?: 1 | 2; fortran?: boolean } = {}): Buffer {
  const version = opts.version ?? 1;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': ${opts.fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const prefix = 6 + 2 + (version === 1 ? 2 : 4);
  const total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  const header = dict + ' '.repeat(total - prefix - dict.length - 1) + '\n';
  const len = Buffer.alloc(version === 1 ? 2 : 4);
  if (version === 1) len.writeUInt16LE(header.length);
  else len.writeUInt32LE(header.length);
  return Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([version, 0]), len, Buffer.from(header, 'latin1'), data]);
}

export function float32LE(values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeFloatLE(v, i * 4));
  return b;
}

export function int8(values: number[]): Buffer {
  const b = Buffer.alloc(values.length);
  values.forEach((v, i) => b.writeInt8(v, i));
  return b;
}
