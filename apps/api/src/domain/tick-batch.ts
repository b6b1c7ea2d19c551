// Reads that the fields of one page ask for in the same tick, made once for all of them: a list of
// 100 grants or resources resolving the same field costs one batch, not 100 reads.

export class TickBatch<Key, Result> {
  private pending: Key[] = [];
  private batch: Promise<Result> | null = null;

  constructor(private readonly run: (keys: Key[]) => Promise<Result>) {}

  /** Adds `key` to this tick's batch; resolves with the batch's result once it has run. */
  load(key: Key): Promise<Result> {
    this.pending.push(key);
    this.batch ??= Promise.resolve().then(() => {
      const keys = this.pending;
      this.pending = [];
      this.batch = null;
      return this.run(keys);
    });
    return this.batch;
  }
}
