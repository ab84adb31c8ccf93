import { resolve } from "node:path";
import { WebhookStoreError } from "../errors.js";
import { MemoryStore } from "./memory-store.js";
import { SqliteStore } from "./sqlite-store.js";
/**
* Opens the store a config names: `memory` (default) or `sqlite:PATH` (PATH
* relative to `cwd`).
* @example
* const store = createStore('sqlite:.servo/webhooks.db', { cwd: process.cwd() });
*/
export function createStore(spec, options = {}) {
	if (spec === undefined || spec === "memory") return new MemoryStore();
	if (spec.startsWith("sqlite:")) {
		const path = spec.slice("sqlite:".length);
		if (!path) throw new WebhookStoreError("store \"sqlite:\" needs a file path, e.g. sqlite:.servo/webhooks.db");
		return new SqliteStore(path === ":memory:" ? path : resolve(options.cwd ?? process.cwd(), path), options);
	}
	throw new WebhookStoreError(`unknown webhook store "${spec}"; use "memory" or "sqlite:PATH"`);
}
