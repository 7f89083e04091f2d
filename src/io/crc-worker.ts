/**
 * CRC64 of a file prefix in a worker thread, so that `check` verifies the RDB checksum on the
 * second core while the decoder runs on the first. The worker reads the file itself (the page
 * cache serves both readers) and answers with the CRC of bytes [0, length).
 *
 * This module is both sides: imported, it exports `startFileCrc`; loaded as the worker (with
 * workerData.kind === 'rdbkit-crc64'), it computes and posts the result.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Crc64 } from '../bytes/crc64.js';

interface CrcJob {
  kind: 'rdbkit-crc64';
  file: string;
  length: number;
}

/**
 * CRC64 of the first `length` bytes of a file, read synchronously in 1 MiB steps, straight into
 * the CRC's WebAssembly memory where there is one.
 */
export function fileCrc(file: string, length: number): bigint {
  const crc = new Crc64();
  const window = crc.window();
  const buf = window ?? new Uint8Array(1 << 20);
  const fd = openSync(file, 'r');
  try {
    let pos = 0;
    while (pos < length) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, length - pos), pos);
      if (n <= 0) throw new Error(`${file}: ended after ${pos} of ${length} bytes`);
      if (window) crc.updateWindow(n);
      else crc.update(buf, 0, n);
      pos += n;
    }
  } finally {
    closeSync(fd);
  }
  return crc.value();
}

/** A CRC computation under way in a worker thread. */
export interface FileCrcJob {
  /** The CRC of the first `length` bytes. */
  result: Promise<bigint>;
  /** Stop the worker (its result is not needed). */
  cancel(): void;
}

/** Start computing the CRC64 of a file's first `length` bytes in a worker thread. */
export function startFileCrc(file: string, length: number): FileCrcJob {
  const job: CrcJob = { kind: 'rdbkit-crc64', file, length };
  // this module itself, or in the bundled CLI the worker file bundled beside it
  const entry = typeof RDBKIT_BUNDLED === 'undefined' ? new URL(import.meta.url) : new URL('./crc-worker.js', import.meta.url);
  const worker = new Worker(entry, { workerData: job });
  const result = new Promise<bigint>((resolve, reject) => {
    worker.once('message', (m: { crc?: string; error?: string }) => {
      if (m.crc !== undefined) resolve(BigInt(m.crc));
      else reject(new Error(m.error ?? 'CRC worker failed'));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`CRC worker exited with code ${code}`));
    });
  });
  result.catch(() => undefined); // a cancelled job's rejection is not an unhandled one
  return { result, cancel: () => void worker.terminate() };
}

if (!isMainThread && (workerData as CrcJob | undefined)?.kind === 'rdbkit-crc64') {
  const job = workerData as CrcJob;
  try {
    parentPort!.postMessage({ crc: fileCrc(job.file, job.length).toString() });
  } catch (e) {
    parentPort!.postMessage({ error: (e as Error).message });
  }
}
