/**
 * The multipart/form-data body of `POST {base}`: the firmware image streamed
 * from disk (a 64 MiB image is never held in memory) and the input bytes.
 * The length is known up front (fs.stat), so the request carries a
 * Content-Length rather than chunked encoding, which some servers refuse.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { PART_FIRMWARE, PART_INPUT } from './contract.js';

export interface MultipartBody {
  contentType: string;
  contentLength: number;
  /** A fresh stream of the whole body; call once per request attempt. */
  open(): Readable;
}

/** Quotes a file name as browsers do in form-data (WHATWG: `"` → %22, CR → %0D, LF → %0A). */
function quoteFileName(name: string): string {
  return name.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function partHeader(boundary: string, field: string, fileName: string): Buffer {
  // No Content-Type: All-HW's own clients send none for the firmware part.
  return Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${quoteFileName(fileName)}"\r\n\r\n`);
}

/**
 * Builds the body for one task. `firmwareName` is the image's base name (the
 * service may look at its extension to tell ELF from HEX).
 */
export async function taskBody(firmwarePath: string, firmwareName: string, input: Buffer): Promise<MultipartBody> {
  const info = await stat(firmwarePath);
  if (!info.isFile()) throw new Error(`firmware image ${firmwarePath} is not a file`);
  let boundary = `----allhw-ci-${randomBytes(16).toString('hex')}`;
  // The boundary must not occur in the content; the image is too big to scan,
  // but 128 random bits make a collision there practically impossible.
  while (input.includes(boundary)) boundary = `----allhw-ci-${randomBytes(16).toString('hex')}`;

  const firmwareHeader = partHeader(boundary, PART_FIRMWARE, firmwareName);
  const inputHeader = Buffer.concat([Buffer.from('\r\n'), partHeader(boundary, PART_INPUT, 'input.txt')]);
  const trailer = Buffer.from(`\r\n--${boundary}--\r\n`);
  const size = info.size;

  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength: firmwareHeader.length + size + inputHeader.length + input.length + trailer.length,
    open(): Readable {
      async function* parts(): AsyncGenerator<Buffer> {
        yield firmwareHeader;
        let sent = 0;
        for await (const chunk of createReadStream(firmwarePath)) {
          sent += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
        if (sent !== size) {
          throw new Error(`firmware image ${firmwarePath} changed size while being sent (${size} → ${sent} bytes)`);
        }
        yield inputHeader;
        yield input;
        yield trailer;
      }
      return Readable.from(parts(), { objectMode: false });
    },
  };
}
