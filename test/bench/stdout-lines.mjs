// What the bench's generators share: a CSV field quoted when it must be
// (RFC 4180), and lines buffered to stdout in large writes that wait for a
// full pipe to drain.

export const csvField = (v) => {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** Lines to stdout: add() buffers one (with its newline), flushing past `limit` characters; end() writes the rest. */
export function stdoutLines(limit = 1 << 16) {
  let buffer = '';
  const flush = () =>
    new Promise((resolve) => {
      if (process.stdout.write(buffer)) resolve();
      else process.stdout.once('drain', resolve);
      buffer = '';
    });
  return {
    add: async (line) => {
      buffer += `${line}\n`;
      if (buffer.length > limit) await flush();
    },
    end: flush,
  };
}
