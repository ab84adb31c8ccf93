import { randomFillSync } from "node:crypto";
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const POOL_SIZE = 4096;
let pool;
let offset = POOL_SIZE;
/** 10 random bytes from a pooled buffer: one `randomFillSync` per ~400 ids. */
function randomBytes10() {
	if (offset + 10 > POOL_SIZE) {
		pool ??= new Uint8Array(POOL_SIZE);
		randomFillSync(pool);
		offset = 0;
	}
	const out = pool.subarray(offset, offset + 10);
	offset += 10;
	return out;
}
/**
* A new message id: `msg_` + a 26-character ULID (48-bit ms time, 80 random
* bits), sortable by creation time.
* @example
* newMessageId(Date.now()); // 'msg_01J9Z3K8M4Q6W7E2R5T8Y1U3I0'
*/
export function newMessageId(nowMs) {
	let s = "";
	let t = Math.max(0, Math.floor(nowMs));
	for (let i = 0; i < 10; i++) {
		s = ALPHABET[t % 32] + s;
		t = Math.floor(t / 32);
	}
	const r = randomBytes10();
	// 80 bits -> 16 base32 characters, 5 bits at a time.
	let acc = 0;
	let bits = 0;
	for (let i = 0; i < 10; i++) {
		acc = acc << 8 | r[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			s += ALPHABET[acc >> bits & 31];
		}
		acc &= (1 << bits) - 1;
	}
	return "msg_" + s;
}
