// One text key for a tuple of strings, for grouping rows by several values
// at once (a class's quasi-identifiers). Each value is written after its
// length, so the key is injective: ("x\0", "y") and ("x", "\0y") joined by a
// separator would be the same key and merge two classes into one, but no
// choice of values can make two length-prefixed keys alike.
//
//   tupleKey(["30-39", "F"])  ->  "5:30-391:F"

/**
 * The key of a tuple: each value as `<length>:<value>`. Joined, not added up
 * with `+=`: V8 keeps a sum as a tree of its pieces (about 750 bytes for 8
 * values) until something flattens it, and the keys of a class table are
 * kept, not hashed.
 */
export function tupleKey(values: readonly string[]): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) parts[i] = `${values[i]!.length}:${values[i]!}`;
  return parts.join('');
}

/** The values of a key made by tupleKey. */
export function tupleValues(key: string): string[] {
  const values: string[] = [];
  let at = 0;
  while (at < key.length) {
    const colon = key.indexOf(':', at);
    const length = Number(key.slice(at, colon));
    values.push(key.slice(colon + 1, colon + 1 + length));
    at = colon + 1 + length;
  }
  return values;
}
