/** Default breaker settings. */
export const DEFAULT_BREAKER = {
	failures: 5,
	cooldownMs: 3e4
};
/**
* Closed: everything passes. After `failures` consecutive failures: open, and
* nothing passes until `cooldownMs` has passed. Then half-open: exactly one
* probe passes; its success closes the circuit, its failure opens it again.
*/
export class CircuitBreaker {
	options;
	consecutive = 0;
	openedAt = -1;
	probing = false;
	constructor(options) {
		this.options = options;
	}
	/** The state at `now`. */
	state(now) {
		if (this.openedAt < 0) return "closed";
		return now >= this.openedAt + this.options.cooldownMs ? "half-open" : "open";
	}
	/** Epoch ms at which an open circuit lets a probe through (`now` if not open). */
	reopensAt(now) {
		return this.openedAt < 0 ? now : Math.max(now, this.openedAt + this.options.cooldownMs);
	}
	/** Whether an attempt may start now; in half-open state, claims the single probe slot. */
	tryAcquire(now) {
		const s = this.state(now);
		if (s === "closed") return true;
		if (s === "open" || this.probing) return false;
		this.probing = true;
		return true;
	}
	/** Records an attempt that reached a working receiver. */
	success() {
		this.consecutive = 0;
		this.openedAt = -1;
		this.probing = false;
	}
	/** Records a failed attempt; returns true when this failure opened the circuit. */
	failure(now) {
		this.consecutive++;
		const wasOpen = this.openedAt >= 0;
		if (this.probing || !wasOpen && this.consecutive >= this.options.failures) {
			this.probing = false;
			this.openedAt = now;
			return !wasOpen;
		}
		return false;
	}
	/** Gives back a probe slot whose attempt ended without a verdict (aborted). */
	release() {
		this.probing = false;
	}
	/** Forgets all failures (used by `enable()`). */
	reset() {
		this.success();
	}
}
