// A memo for per-value work (HMACs, fakes, date offsets) whose memory is
// bounded by a fixed number of entries, not by the input: when full it is
// emptied and refilled, which keeps the common case (an entity's rows close
// together) fast without any bookkeeping per hit.
//
// Keys are copied before they are kept (own-string.ts): a cache of slices
// would hold on to most of the input it has seen.

import { ownString } from './own-string.js';

export class BoundedCache<V> {
  private readonly map = new Map<string, V>();

  constructor(private readonly limit = 10_000) {}

  get(key: string, compute: (key: string) => V): V {
    let value = this.map.get(key);
    if (value === undefined) {
      value = compute(key);
      if (this.map.size >= this.limit) this.map.clear();
      this.map.set(ownString(key), value);
    }
    return value;
  }
}
