// Both cores for `veil apply`: the main thread reads the input and cuts it
// into record-aligned pieces (src/io/pieces.ts), worker threads
// (worker.ts) parse, transform and serialize them, and the main thread
// writes their output in input order. Piece n goes to worker n mod N, each
// worker holds at most two pieces, and a worker's problem is raised when its
// piece's turn comes, after everything before it was written.

import { Worker } from 'node:worker_threads';
import { VeilError, type Problem } from '../../lib/errors.js';
import type { Piece } from '../../io/pieces.js';
import type { PieceResult, PieceSettings } from './piece.js';

export interface WorkerInit {
  readonly policyText: string;
  readonly policyPath: string;
  readonly header: readonly string[];
  readonly settings: PieceSettings;
  readonly key: Uint8Array | undefined;
}

export type WorkerReply = { seq: number; result?: PieceResult; failure?: { problems: readonly Problem[] } | { message: string } };

const IN_FLIGHT_PER_WORKER = 2;

/**
 * A worker's young generation: on the 1M-row benchmark, two workers and the
 * main thread peaked at 347 MB with V8's default and at 223 MB with 12 MB,
 * for 7% more time (1 MiB pieces, one run each). The old generation keeps
 * Node's limit, so a large forget list still fits.
 */
const YOUNG_GENERATION_MB = 12;

/** The results of the pieces, in order, written by `threads` workers. */
export async function* writeInThreads(input: AsyncIterable<Piece>, threads: number, init: WorkerInit, sampleBelow: () => number = () => Infinity): AsyncGenerator<PieceResult> {
  const waiting = new Map<number, { resolve: (r: PieceResult) => void; reject: (e: unknown) => void }>();
  const workers = Array.from({ length: threads }, () => {
    const w = new Worker(new URL('./worker.js', import.meta.url), { workerData: init, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    w.on('message', (reply: WorkerReply) => {
      const piece = waiting.get(reply.seq);
      if (!piece) return;
      waiting.delete(reply.seq);
      if (reply.result) piece.resolve(reply.result);
      else if (reply.failure && 'problems' in reply.failure) piece.reject(new VeilError(reply.failure.problems));
      else piece.reject(new Error(`worker thread: ${reply.failure?.message ?? 'no result'}`));
    });
    const fail = (e: unknown) => {
      for (const piece of waiting.values()) piece.reject(e);
      waiting.clear();
    };
    w.on('error', fail);
    // A worker that ends while pieces wait for it (it is terminated only when none do) would leave them waiting.
    w.on('exit', (code) => fail(new Error(`worker thread: exited with code ${code}`)));
    return w;
  });
  const pending: Promise<PieceResult>[] = [];
  try {
    for await (const piece of input) {
      const result = new Promise<PieceResult>((resolve, reject) => waiting.set(piece.seq, { resolve, reject }));
      result.catch(() => undefined); // raised in order, when awaited below
      pending.push(result);
      // A piece that owns its memory moves to the worker instead of being copied.
      const own = piece.bytes.byteOffset === 0 && piece.bytes.byteLength === piece.bytes.buffer.byteLength;
      const reached = sampleBelow();
      workers[piece.seq % threads]!.postMessage(reached === Infinity ? piece : { ...piece, sampleBelow: reached }, own ? [piece.bytes.buffer as ArrayBuffer] : []);
      if (pending.length >= threads * IN_FLIGHT_PER_WORKER) yield await pending.shift()!;
    }
    while (pending.length > 0) yield await pending.shift()!;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
