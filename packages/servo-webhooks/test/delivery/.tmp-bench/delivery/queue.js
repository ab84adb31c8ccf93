/** FIFO with amortised O(1) `shift`. */
class Fifo {
	items = [];
	head = 0;
	get length() {
		return this.items.length - this.head;
	}
	push(v) {
		this.items.push(v);
	}
	peek() {
		return this.items[this.head];
	}
	shift() {
		if (this.head >= this.items.length) return undefined;
		const v = this.items[this.head];
		this.items[this.head++] = undefined;
		if (this.head > 1024 && this.head * 2 > this.items.length) {
			this.items = this.items.slice(this.head);
			this.head = 0;
		}
		return v;
	}
}
/** Binary min-heap of deliveries by `nextAttemptAt`. */
class DueHeap {
	h = [];
	get length() {
		return this.h.length;
	}
	peek() {
		return this.h[0];
	}
	push(d) {
		const h = this.h;
		h.push(d);
		let i = h.length - 1;
		while (i > 0) {
			const p = i - 1 >> 1;
			if (h[p].nextAttemptAt <= d.nextAttemptAt) break;
			h[i] = h[p];
			i = p;
		}
		h[i] = d;
	}
	pop() {
		const h = this.h;
		const top = h[0];
		const last = h.pop();
		if (h.length > 0 && last) {
			let i = 0;
			for (;;) {
				const l = 2 * i + 1;
				if (l >= h.length) break;
				const r = l + 1;
				const c = r < h.length && h[r].nextAttemptAt < h[l].nextAttemptAt ? r : l;
				if (h[c].nextAttemptAt >= last.nextAttemptAt) break;
				h[i] = h[c];
				i = c;
			}
			h[i] = last;
		}
		return top;
	}
}
/**
* Deliveries held in memory for one endpoint. A delivery is either ready,
* waiting (retry time in the future) or in flight; `size` counts all three.
* Mutate a delivery's `nextAttemptAt` only while it is in flight.
*/
export class EndpointQueue {
	held = new Map();
	inflight = new Set();
	ready = new Fifo();
	waiting = new DueHeap();
	/** Deliveries held (ready, waiting and in flight). */
	get size() {
		return this.held.size;
	}
	/** Deliveries in flight. */
	get inFlight() {
		return this.inflight.size;
	}
	/** True when `id` is held. */
	has(id) {
		return this.held.has(id);
	}
	/** The held delivery with this id. */
	get(id) {
		return this.held.get(id);
	}
	/** Holds a new (or resumed) delivery. */
	add(d, now) {
		this.held.set(d.id, d);
		this.schedule(d, now);
	}
	schedule(d, now) {
		if (d.nextAttemptAt <= now) this.ready.push(d);
		else this.waiting.push(d);
	}
	live(d) {
		return this.held.get(d.id) === d && !this.inflight.has(d.id);
	}
	/** Moves waiting deliveries whose time has come to the ready list. */
	promote(now) {
		for (let d = this.waiting.peek(); d && d.nextAttemptAt <= now; d = this.waiting.peek()) {
			this.waiting.pop();
			if (this.live(d)) this.ready.push(d);
		}
	}
	/** True when a delivery could start now. */
	hasReady(now) {
		this.promote(now);
		for (let d = this.ready.peek(); d; d = this.ready.peek()) {
			if (this.live(d)) return true;
			this.ready.shift();
		}
		return false;
	}
	/** Takes the next ready delivery and marks it in flight. */
	take(now) {
		if (!this.hasReady(now)) return undefined;
		const d = this.ready.shift();
		this.inflight.add(d.id);
		return d;
	}
	/** Earliest `nextAttemptAt` of the waiting deliveries (Infinity if none). */
	nextDueAt() {
		for (let d = this.waiting.peek(); d; d = this.waiting.peek()) {
			if (this.live(d)) return d.nextAttemptAt;
			this.waiting.pop();
		}
		return Infinity;
	}
	/** An in-flight delivery goes back to waiting (retry) or ready. */
	requeue(d, now) {
		this.inflight.delete(d.id);
		if (this.held.get(d.id) === d) this.schedule(d, now);
	}
	/** An in-flight (or held) delivery is finished with: delivered, dead or dropped. */
	remove(d) {
		this.inflight.delete(d.id);
		if (this.held.get(d.id) === d) this.held.delete(d.id);
	}
	/** Removes and returns the oldest held delivery that is not in flight. */
	dropOldest() {
		for (const d of this.held.values()) {
			if (!this.inflight.has(d.id)) {
				this.held.delete(d.id);
				return d;
			}
		}
		return undefined;
	}
}
