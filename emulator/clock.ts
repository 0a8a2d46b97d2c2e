/**
 * The emulator's clock. Every API request, lifecycle step and charge is timed by it, so a test can
 * move the whole emulator forward (`advance`: an hour of rented time in no time) or hold it still
 * (`freeze`: charges stop accruing while a test compares two readings). Real time by default.
 * Docker mode's containers report their own transitions on real time, so move the clock only
 * without Docker mode.
 */
export class EmulatorClock {
  #offsetMs = 0;
  #frozenAt: number | null = null;

  /** Epoch milliseconds as the emulator sees them. */
  now(): number {
    return this.#frozenAt ?? Date.now() + this.#offsetMs;
  }

  /** Moves the clock forward by `ms` (≥ 0), frozen or not. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`the clock only moves forward: advance(${ms})`);
    if (this.#frozenAt !== null) this.#frozenAt += ms;
    else this.#offsetMs += ms;
  }

  /** `true` holds the clock at its current reading; `false` lets it run again from there. */
  freeze(frozen: boolean): void {
    if (frozen && this.#frozenAt === null) this.#frozenAt = this.now();
    if (!frozen && this.#frozenAt !== null) {
      this.#offsetMs = this.#frozenAt - Date.now();
      this.#frozenAt = null;
    }
  }
}
