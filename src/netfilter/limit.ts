/**
 * Stateful rate and volume limiters in virtual time.
 */

const NSEC_PER_SEC = 1e9;
/** nft_limit.c NFT_LIMIT_PKT_BURST_DEFAULT ("same default as in iptables"). */
export const NFT_LIMIT_PKT_BURST_DEFAULT = 5;

const UNIT_SECONDS = { second: 1, minute: 60, hour: 3600, day: 86400, week: 604800 } as const;
export type LimitUnit = keyof typeof UNIT_SECONDS;

/**
 * `limit rate [over] N/unit [burst B packets|bytes]` as nft_limit: a token bucket whose tokens are
 * nanoseconds. Models nft_limit_init()/nft_limit_eval():
 * - packets: cost = nsecs / rate per packet; bucket = cost × burst (burst 0 → 5);
 * - bytes:   cost = nsecs × len / rate; bucket = nsecs × (rate + burst) / rate;
 * - eval: tokens += now − last (capped at the bucket); if tokens − cost ≥ 0 the packet is within
 *   the limit (tokens −= cost), else the tokens are kept and the packet is over.
 * Integer divisions are floored as div64_u64 does.
 */
export class TokenBucket {
  readonly rate: number;
  readonly nsecs: number;
  readonly burst: number;
  readonly bytes: boolean;
  readonly invert: boolean;
  readonly cost: number;
  readonly tokensMax: number;
  tokens: number;
  last: number;

  constructor(rate: number, unit: LimitUnit, burst: number, bytes: boolean, invert: boolean, now: number) {
    if (!(rate > 0)) throw new RangeError('limit rate must be positive (nft_limit_init: EINVAL)');
    this.rate = rate;
    this.nsecs = UNIT_SECONDS[unit] * NSEC_PER_SEC;
    this.burst = !bytes && burst === 0 ? NFT_LIMIT_PKT_BURST_DEFAULT : burst;
    this.bytes = bytes;
    this.invert = invert;
    this.cost = bytes ? 0 : Math.floor(this.nsecs / rate);
    this.tokensMax = bytes ? Math.floor((this.nsecs * (rate + this.burst)) / rate) : this.cost * this.burst;
    this.tokens = this.tokensMax;
    this.last = now;
  }

  /** True when the rule must break (over the limit, or within it for `over`), as nft_limit_eval returns. */
  eval(now: number, len: number): boolean {
    const cost = this.bytes ? Math.floor((this.nsecs * len) / this.rate) : this.cost;
    let tokens = this.tokens + now - this.last;
    if (tokens > this.tokensMax) tokens = this.tokensMax;
    this.last = now;
    const delta = tokens - cost;
    if (delta >= 0) {
      this.tokens = delta;
      return this.invert;
    }
    this.tokens = tokens;
    return !this.invert;
  }
}

/**
 * `quota [over] N bytes [used M bytes]` as nft_quota: every packet that reaches it adds its length
 * to `consumed`; nft_overquota() is consumed ≥ quota after the add. Without `over` the rule
 * breaks once over quota; with `over` it breaks while under.
 */
export class Quota {
  readonly quota: number;
  readonly invert: boolean;
  consumed: number;

  constructor(quota: number, used: number, invert: boolean) {
    this.quota = quota;
    this.consumed = used;
    this.invert = invert;
  }

  /** True when the rule must break (nft_quota_do_eval). */
  eval(len: number): boolean {
    this.consumed += len;
    return (this.consumed >= this.quota) !== this.invert;
  }
}
