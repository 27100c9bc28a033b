// A progress line on stderr, only when stderr is a terminal (and not --quiet):
// rows and megabytes read, redrawn at most five times a second.

export class Progress {
  private last = 0;
  private drawn = false;
  private readonly t0 = performance.now();

  constructor(
    private readonly stderr: NodeJS.WriteStream,
    private readonly enabled: boolean,
    private readonly bytesRead: () => number,
  ) {}

  tick(rows: number): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.last < 200) return;
    this.last = now;
    const mb = this.bytesRead() / 1e6;
    const rate = mb / ((now - this.t0) / 1000);
    this.stderr.write(`\rveil: ${rows} rows, ${mb.toFixed(1)} MB read (${rate.toFixed(1)} MB/s)\u001b[K`);
    this.drawn = true;
  }

  stop(): void {
    if (this.drawn) this.stderr.write('\r\u001b[K');
    this.drawn = false;
  }
}
