/** A pause that `wake()` ends early: how a follower waits between polls or retries and still stops at once. */
export class Pause {
  private wakeUp: (() => void) | null = null;

  async for(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wakeUp = null;
  }

  wake(): void {
    this.wakeUp?.();
  }
}
