// A memo for per-value work (HMACs, fakes, date offsets) whose memory is
// bounded by a fixed number of entries, not by the input: when full it is
// emptied and refilled, which keeps the common case (an entity's rows close
// together) fast without any bookkeeping per hit.
//
// A memo of values that never come back costs more than it saves (a lookup,
// a copy of the key and an entry for each value: 0.3 s of each worker's 7 s
// on 1M rows of unique emails). So the memo watches its first lookups, and
// after a trial in which fewer than one in four were hits, it computes each
// value without it; it tries again every TRIAL_EVERY lookups, as an input's
// values may start repeating later. The values are the same either way:
// what is memoized is a pure function of its key.
//
// Keys are copied before they are kept (own-string.ts): a cache of slices
// would hold on to most of the input it has seen.

import { ownString } from './own-string.js';

/** Lookups in a trial of the memo. */
const TRIAL = 4096;
/** Lookups between the starts of two trials, once the memo is off. */
const TRIAL_EVERY = 1 << 16;

export class BoundedCache<V> {
  private readonly map = new Map<string, V>();
  /** Lookups since the trial started (or, once the memo is off, since it was turned off). */
  private lookups = 0;
  private hits = 0;
  private on = true;

  constructor(private readonly limit = 10_000) {}

  get(key: string, compute: (key: string) => V): V {
    if (!this.on) {
      if (++this.lookups < TRIAL_EVERY) return compute(key);
      this.on = true;
      this.lookups = 0;
      this.hits = 0;
    }
    let value = this.map.get(key);
    if (value === undefined) {
      value = compute(key);
      if (this.map.size >= this.limit) this.map.clear();
      this.map.set(ownString(key), value);
    } else this.hits++;
    if (++this.lookups === TRIAL) {
      // The memo stays on while it pays (its counts then start again), and is emptied when it goes off.
      this.on = this.hits * 4 >= TRIAL;
      if (!this.on) this.map.clear();
      this.lookups = 0;
      this.hits = 0;
    }
    return value;
  }
}
