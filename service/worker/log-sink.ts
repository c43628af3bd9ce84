/** A build's log as it is written: appended in order to the store, with secret values blanked. */
import type { BlobStore } from "../store/blob-store.js";

export class LogSink {
  private chain: Promise<void> = Promise.resolve();
  private failed = false;

  constructor(
    private readonly store: BlobStore,
    private readonly buildId: string,
    private readonly redact: (s: string) => string,
  ) {}

  write(text: string): void {
    const clean = this.redact(text);
    this.chain = this.chain.then(() => this.store.appendLog(this.buildId, clean)).catch(() => {
      // A log that cannot be written does not fail the build; the service's own log says so once.
      if (!this.failed) process.stderr.write(`imagespec-serve: cannot write the log of build ${this.buildId}\n`);
      this.failed = true;
    });
  }

  line(text: string): void {
    this.write(text + "\n");
  }

  flush(): Promise<void> {
    return this.chain;
  }
}
