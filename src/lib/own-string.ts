// A copy of a string that shares no memory with the string it came from.
//
// A cell cut from a large input chunk is a slice that keeps the whole chunk
// alive, so anything that outlives the chunk (a memo key, a dictionary
// value) must hold a copy. Prepending a character makes V8 build the text
// anew (a flat copy, or a cons string that slice() flattens into one), and
// the slice after it points into that copy: about 50 ns for a short cell
// against 170 ns for a round trip through a Buffer, and the chunk is freed
// all the same (test/io.test.ts checks both).

export function ownString(s: string): string {
  return (' ' + s).slice(1);
}
