// A task that many events ask for but that must never run twice at once: asked while running,
// it runs once more afterwards (however often it was asked), so nothing asked for is missed.
export class CoalescedTask {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly run: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  trigger(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run()
      .catch(this.onError)
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.trigger();
        }
      });
  }

  /** Resolves once no run is under way or pending. */
  async settle(): Promise<void> {
    while (this.running) await this.running;
  }
}
