/**
 * Work as a count of executed JavaScript blocks, ours and the parsers' we depend on (yaml,
 * jsonc-parser, protobufjs) alike: V8's precise coverage counts every execution of every
 * function and block, exactly and whatever the load on the machine. A loop run n² times shows
 * up as n² executions of its body.
 */
import { Session } from "node:inspector/promises";

export class BlockCounter {
  private readonly session = new Session();

  async start(): Promise<void> {
    this.session.connect();
    await this.session.post("Profiler.enable");
    await this.session.post("Profiler.startPreciseCoverage", { callCount: true, detailed: true });
  }

  async stop(): Promise<void> {
    await this.session.post("Profiler.stopPreciseCoverage");
    await this.session.post("Profiler.disable");
    this.session.disconnect();
  }

  /** Block executions while `run` ran (taking coverage resets V8's counters). */
  async count(run: () => void): Promise<number> {
    await this.session.post("Profiler.takePreciseCoverage");
    run();
    const { result } = await this.session.post("Profiler.takePreciseCoverage");
    let total = 0;
    for (const script of result) for (const fn of script.functions) for (const range of fn.ranges) total += range.count;
    return total;
  }
}
