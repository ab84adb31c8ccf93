/**
* The default store: pending deliveries and a bounded dead-letter list in
* process memory. Not persistent: pending deliveries are lost when the
* process exits, and the engine drops the oldest past its `maxQueue`.
*/
export class MemoryStore {
	persistent = false;
	seq = 0;
	rows = new Map();
	deadRows = [];
	maxDead;
	constructor(options = {}) {
		this.maxDead = options.maxDead ?? 1e3;
	}
	/** @inheritdoc */
	add(delivery) {
		const seq = ++this.seq;
		this.rows.set(delivery.id, {
			seq,
			delivery
		});
		return seq;
	}
	/** @inheritdoc */
	reschedule(id, attempts, nextAttemptAt) {
		const row = this.rows.get(id);
		if (row) {
			row.delivery.attempts = attempts;
			row.delivery.nextAttemptAt = nextAttemptAt;
		}
	}
	/** @inheritdoc */
	remove(id) {
		this.rows.delete(id);
	}
	/** @inheritdoc */
	deadLetter(delivery, error, failedAt) {
		this.rows.delete(delivery.id);
		this.deadRows.push({
			...delivery,
			error,
			failedAt
		});
		if (this.deadRows.length > this.maxDead) this.deadRows.splice(0, this.deadRows.length - this.maxDead);
	}
	/** @inheritdoc */
	pending(query) {
		const out = [];
		const after = query.after ?? 0;
		for (const row of this.rows.values()) {
			if (out.length >= query.limit) break;
			if (row.seq > after && row.delivery.webhook === query.webhook) out.push(row);
		}
		return out;
	}
	/** @inheritdoc */
	dead(query = {}) {
		const out = [];
		const limit = query.limit ?? Infinity;
		for (let i = this.deadRows.length - 1; i >= 0 && out.length < limit; i--) {
			const row = this.deadRows[i];
			if (query.webhook === undefined || row.webhook === query.webhook) out.push(row);
		}
		return out;
	}
	/** @inheritdoc */
	counts() {
		const out = {};
		const get = (w) => out[w] ??= {
			pending: 0,
			dead: 0
		};
		for (const row of this.rows.values()) get(row.delivery.webhook).pending++;
		for (const row of this.deadRows) get(row.webhook).dead++;
		return out;
	}
	/** Nothing to commit. */
	flush() {}
	/** Forgets everything. */
	close() {
		this.rows.clear();
	}
}
