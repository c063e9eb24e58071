/**
 * How much an archive may unpack to before its checksum is known. A
 * toolchain archive is extracted while it downloads (into a staging
 * directory outside the cache entries), so a hostile or wrong one must be
 * stopped by size, not by the checksum that only comes at the end: a 773 KB
 * .tar.xz can expand to gigabytes.
 *
 * Arm's toolchain archives expand about 5-10x (xz) and unpack to 1-3 GB;
 * the limits leave a wide margin over both.
 */
import { UnsafeArchiveError } from './archive-guard.js';

export interface UnpackLimits {
  /** Bytes the archive may unpack to in all. */
  maxBytes: number;
  /** Unpacked bytes per archive byte received so far, beyond `allowance`. */
  maxRatio: number;
  /** Unpacked bytes allowed before the ratio applies (a compressor's first block may expand a lot). */
  allowance: number;
  /** Entries (files, directories, links); each costs an inode whatever its size. */
  maxEntries: number;
}

export const DEFAULT_UNPACK_LIMITS: UnpackLimits = {
  maxBytes: 8 * 1024 ** 3,
  maxRatio: 25,
  allowance: 64 * 1024 ** 2,
  maxEntries: 200_000,
};

function size(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Counts what an archive unpacks to and refuses it once it passes a limit. */
export class UnpackMeter {
  private archiveBytes = 0;
  private unpackedBytes = 0;
  private entries = 0;
  private readonly limits: UnpackLimits;

  constructor(limits: UnpackLimits = DEFAULT_UNPACK_LIMITS) {
    this.limits = limits;
  }

  /** Archive (compressed) bytes received. */
  archive(bytes: number): void {
    this.archiveBytes += bytes;
  }

  /** Unpacked bytes about to be extracted; throws UnsafeArchiveError past a limit. */
  unpacked(bytes: number): void {
    this.unpackedBytes += bytes;
    const { maxBytes, maxRatio, allowance } = this.limits;
    if (this.unpackedBytes > maxBytes) {
      throw new UnsafeArchiveError(`Refused the archive: it unpacks to more than ${size(maxBytes)}, more than any toolchain; nothing of it was kept.`);
    }
    if (this.unpackedBytes > allowance + maxRatio * this.archiveBytes) {
      throw new UnsafeArchiveError(
        `Refused the archive: ${size(this.archiveBytes)} of it unpacked to more than ${size(this.unpackedBytes)}, ` +
          `over ${maxRatio} times its size (a decompression bomb, or not the archive the versions table names); nothing of it was kept.`,
      );
    }
  }

  /** One more entry; throws UnsafeArchiveError past the limit. */
  entry(): void {
    if (++this.entries > this.limits.maxEntries) {
      throw new UnsafeArchiveError(`Refused the archive: it has more than ${this.limits.maxEntries} entries, more than any toolchain.`);
    }
  }
}
