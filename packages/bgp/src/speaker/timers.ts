/**
 * A one-shot timer the FSM starts, restarts and stops (RFC 4271 §8: ConnectRetryTimer, HoldTimer,
 * KeepaliveTimer). `stop()` releases the Node timer, so a stopped speaker keeps no handle alive.
 */
export class FsmTimer {
  private handle: ReturnType<typeof setTimeout> | undefined;
  /** When the running timer fires (ms since the epoch), undefined when stopped. */
  deadline: number | undefined;

  constructor(private readonly fire: () => void) {}

  start(ms: number): void {
    this.stop();
    this.deadline = Date.now() + ms;
    this.handle = setTimeout(() => {
      this.handle = undefined;
      this.deadline = undefined;
      this.fire();
    }, ms);
  }

  stop(): void {
    if (this.handle !== undefined) clearTimeout(this.handle);
    this.handle = undefined;
    this.deadline = undefined;
  }

  get running(): boolean {
    return this.handle !== undefined;
  }
}

/** RFC 4271 §10: timers are jittered by a random factor between 0.75 and 1.0. */
export function jitter(ms: number, random: () => number = Math.random): number {
  return Math.round(ms * (0.75 + 0.25 * random()));
}

/** The keepalive interval for a negotiated hold time: a third of it (RFC 4271 §10), none for 0. */
export function keepaliveInterval(holdTimeSeconds: number): number | undefined {
  return holdTimeSeconds === 0 ? undefined : Math.max(1, Math.floor(holdTimeSeconds / 3)) * 1000;
}

/** Exponential back-off between connection attempts: base · 2^failures, capped. */
export function backoff(baseMs: number, failures: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.min(failures, 16));
}
