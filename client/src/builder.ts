/** Connects to one BuildKit of a list: the first that answers, in the order given (a ring's order). */
import { formatAddress, type BuildkitAddress } from "./address.js";
import { openChannel } from "./connect.js";
import { ControlClient, type WorkerRecord } from "./control.js";

export interface Builder {
  address: BuildkitAddress;
  control: ControlClient;
  workers: WorkerRecord[];
  close(): void;
}

const PROBE_TIMEOUT_MS = 15_000;

function timeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

export async function connectBuilder(address: BuildkitAddress): Promise<Builder> {
  const channel = await openChannel(address);
  const control = new ControlClient(channel);
  try {
    const workers = await timeout(control.listWorkers(), PROBE_TIMEOUT_MS, formatAddress(address));
    if (workers.length === 0) throw new Error(`${formatAddress(address)}: BuildKit has no workers`);
    return { address, control, workers, close: () => channel.close() };
  } catch (e) {
    channel.destroy();
    throw e;
  }
}

/** Tries each address in turn; `onSkip` hears why one was passed over. */
export async function connectFirst(addresses: readonly BuildkitAddress[], onSkip: (a: BuildkitAddress, e: Error) => void = () => undefined): Promise<Builder> {
  const errors: string[] = [];
  for (const a of addresses) {
    try {
      return await connectBuilder(a);
    } catch (e) {
      onSkip(a, e as Error);
      errors.push(`${formatAddress(a)}: ${(e as Error).message}`);
    }
  }
  throw new Error(`no BuildKit answered:\n  ${errors.join("\n  ")}`);
}

/** The Docker engine's embedded BuildKit can push from its exporter only with the containerd image store. */
export function engineCanPush(workers: readonly WorkerRecord[]): boolean {
  return workers.some((w) => w.Labels?.["org.mobyproject.buildkit.worker.snapshotter"] !== undefined);
}
