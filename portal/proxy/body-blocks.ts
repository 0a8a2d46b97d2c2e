/**
 * Reused memory for response bodies on their way through the front.
 *
 * Why: a Buffer written to a socket is freed only when V8's garbage collector
 * runs, and the collector paces itself by JavaScript allocations, not by
 * buffer bytes; streaming hundreds of MB/s through fresh 64 KiB buffers left
 * 30 MB of dead buffers waiting (measured with Node 24 and TLS). Instead,
 * every upstream connection reads into the one {@link readBuffer} (each read
 * is handled to the end before the next one starts), and a body chunk is
 * copied into a block that comes back here once its write has completed.
 * @module
 */

/** Size of the read buffer, and so of the largest chunk. */
const BLOCK_BYTES = 64 * 1024;
/**
 * Free blocks kept for reuse (1 MiB); beyond that a returned block is left to
 * the collector. Backpressure keeps about two blocks per streaming response in flight.
 */
const KEEP = 16;

/** Where upstream connections read; valid only until the read's handler returns. */
export const readBuffer = Buffer.allocUnsafeSlow(BLOCK_BYTES);
/** Below this, a copy comes from Node's shared Buffer pool, which already serves small allocations cheaply. */
const SMALL = 4096;

const free: Buffer[] = [];

/** A copy of a chunk, and what to call once it has been written (or its write failed), if anything. */
export interface BlockCopy {
  readonly data: Buffer;
  readonly release: (() => void) | undefined;
}

/** Copy `chunk` (at most {@link BLOCK_BYTES}) into memory that stays valid until `release`. */
export function copyIntoBlock(chunk: Buffer): BlockCopy {
  // No callback for these: a write callback has a cost of its own on every small response.
  if (chunk.length < SMALL || chunk.length > BLOCK_BYTES) return { data: Buffer.from(chunk), release: undefined };
  const block = free.pop() ?? Buffer.allocUnsafeSlow(BLOCK_BYTES);
  chunk.copy(block);
  let released = false;
  return {
    data: block.subarray(0, chunk.length),
    release: () => {
      if (released) return;
      released = true;
      if (free.length < KEEP) free.push(block);
    },
  };
}
