/**
 * The streaming multipart reader, fed bodies made by a real encoder (the
 * FormData of Node's fetch) and cut into chunks at every possible place.
 */
import { describe, expect, it } from 'vitest';
import { MultipartError, multipartBoundary, readMultipart, type PartInfo } from '../../src/serve/multipart.js';

async function encode(form: FormData): Promise<{ body: Buffer; contentType: string }> {
  const request = new Request('http://encoder.invalid/', { method: 'POST', body: form });
  return { body: Buffer.from(await request.arrayBuffer()), contentType: request.headers.get('content-type')! };
}

async function* chunked(body: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < body.length; at += size) yield body.subarray(at, at + size);
}

async function parse(body: Buffer, boundary: string, chunkSize: number): Promise<Map<string, { info: PartInfo; data: Buffer }>> {
  const parts = new Map<string, { info: PartInfo; data: Buffer }>();
  await readMultipart(chunked(body, chunkSize), boundary, (info) => {
    const pieces: Buffer[] = [];
    return {
      write: (chunk) => void pieces.push(Buffer.from(chunk)),
      end: () => void parts.set(info.name, { info, data: Buffer.concat(pieces) }),
    };
  });
  return parts;
}

describe('serve: multipart reader', () => {
  it('reads every part exactly, however the body is cut into chunks', async () => {
    // Bytes that look like the start of a boundary, CRLFs and every byte value.
    const firmware = Buffer.concat([Buffer.from('\r\n--\r\n-\r'), Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from('\r\n')]);
    const input = Buffer.from('#input:1,2,3\r\n#exit\r\n');
    const form = new FormData();
    form.append('firmware', new Blob([firmware]), 'fw.elf');
    form.append('note', 'a text field');
    form.append('input', new Blob([input]), 'in put "1".txt');
    const { body, contentType } = await encode(form);
    const boundary = multipartBoundary(contentType)!;
    expect(boundary).toBeTruthy();
    for (const size of [1, 2, 3, 7, 16, 41, 64, 100, 1000, body.length]) {
      const parts = await parse(body, boundary, size);
      expect(parts.get('firmware')!.data.equals(firmware), `chunk size ${size}`).toBe(true);
      expect(parts.get('input')!.data.equals(input), `chunk size ${size}`).toBe(true);
      expect(parts.get('note')!.data.toString()).toBe('a text field');
      expect(parts.get('firmware')!.info.filename).toBe('fw.elf');
    }
  });

  it('reads an empty part', async () => {
    const form = new FormData();
    form.append('firmware', new Blob([Buffer.from('x')]), 'fw.elf');
    form.append('input', new Blob([]), 'empty.txt');
    const { body, contentType } = await encode(form);
    const parts = await parse(body, multipartBoundary(contentType)!, 5);
    expect(parts.get('input')!.data.length).toBe(0);
  });

  it('says so when the body ends before the closing boundary', async () => {
    const form = new FormData();
    form.append('firmware', new Blob([Buffer.alloc(1000, 7)]), 'fw.elf');
    const { body, contentType } = await encode(form);
    await expect(parse(body.subarray(0, 600), multipartBoundary(contentType)!, 64)).rejects.toThrow(MultipartError);
    await expect(parse(body.subarray(0, 600), multipartBoundary(contentType)!, 64)).rejects.toThrow(/ended before the closing multipart boundary/);
  });

  it('finds the boundary in a content type, quoted or not, and nothing in others', () => {
    expect(multipartBoundary('multipart/form-data; boundary=abc123')).toBe('abc123');
    expect(multipartBoundary('multipart/form-data; charset=utf-8; boundary="a b:c"')).toBe('a b:c');
    expect(multipartBoundary('application/octet-stream')).toBeNull();
    expect(multipartBoundary('multipart/form-data')).toBeNull();
    expect(multipartBoundary(undefined)).toBeNull();
  });
});
