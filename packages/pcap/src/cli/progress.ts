/** A one-line progress bar on a terminal stream; does nothing when the stream is not a TTY. */
export class ProgressBar {
  private lastDraw = 0;
  private drawn = false;
  constructor(
    private readonly stream: { isTTY?: boolean; columns?: number; write(s: string): unknown },
    private readonly total: number,
    private readonly label = '',
  ) {}

  get enabled(): boolean {
    return this.stream.isTTY === true && this.total > 0;
  }

  update(done: number, now = Date.now()): void {
    if (!this.enabled || now - this.lastDraw < 100) return;
    this.lastDraw = now;
    this.drawn = true;
    const width = Math.max(10, Math.min(50, (this.stream.columns ?? 80) - 40));
    const fraction = Math.min(1, done / this.total);
    const filled = Math.round(fraction * width);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    this.stream.write(`\r${this.label} [${bar}] ${(fraction * 100).toFixed(1).padStart(5)}% `);
  }

  finish(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
  }
}
