/**
 * Where the frontend's own time goes (`timings=true`): start-up, each phase, each optimize round,
 * reported as one build warning so a user or the bench can read it from the status stream.
 */

export class Stopwatch {
  private last: number;
  private readonly laps: { name: string; ms: number }[] = [];

  /** `processStart`: epoch ms the process started (start-up is measured from it), when known. */
  constructor(now: () => number = () => performance.timeOrigin + performance.now(), processStart?: number) {
    this.now = now;
    this.last = now();
    if (processStart !== undefined) this.laps.push({ name: "start-up", ms: this.last - processStart });
  }

  private readonly now: () => number;

  /** Ends the phase running since the last lap, under `name`. */
  lap(name: string): void {
    const t = this.now();
    this.laps.push({ name, ms: t - this.last });
    this.last = t;
  }

  /** Records a phase timed elsewhere (it does not move the lap clock). */
  add(name: string, ms: number): void {
    this.laps.push({ name, ms });
  }

  text(): string {
    return `timings: ${this.laps.map((l) => `${l.name} ${Math.round(l.ms)} ms`).join(", ")}`;
  }
}
