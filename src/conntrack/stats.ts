/**
 * Conntrack counters as `conntrack -S` prints them (struct ip_conntrack_stat), plus the
 * entries/inserts/deletes accounting flowsim checks invariants with.
 *
 * A plain class with number fields: incremented on the packet path without allocation.
 */
export class ConntrackStats {
  /** nf_conntrack_tuple_taken found a clash (NAT tuple search). */
  found = 0;
  /** Packets conntrack marked invalid (nf_conntrack_in: tracker said no, or no tuple). */
  invalid = 0;
  /** Connections inserted into the hash (__nf_conntrack_confirm). */
  insert = 0;
  /** Confirm found a tuple already taken, or the entry dying. */
  insertFailed = 0;
  /** Packets dropped by conntrack (table full, insert failed, NAT without tuple). */
  drop = 0;
  /** Entries evicted by early_drop() to make room. */
  earlyDrop = 0;
  /** ICMP errors conntrack could not relate (nf_conntrack_handle_icmp returned ≤ 0). */
  error = 0;
  /** Always 0: flowsim's table never resizes under a lookup (the kernel counts RCU restarts). */
  searchRestart = 0;
  /** Confirmed entries removed (expiry, GC, kill, early drop). entries = insert - deletes. */
  deletes = 0;
  /** Of `deletes`: entries removed because their timeout passed (GC or lazily on lookup). */
  expired = 0;
  /** NAT found no free tuple in the range (DropReason.NAT_NO_TUPLE). */
  natNoTuple = 0;
  /** Unconfirmed entries freed because their packet never reached confirm. */
  discarded = 0;

  /** Confirmed connections currently in the hash. */
  get entries(): number {
    return this.insert - this.deletes;
  }

  /** The `conntrack -S` line for one CPU. */
  format(): string {
    return `cpu=0 found=${this.found} invalid=${this.invalid} insert=${this.insert} insert_failed=${this.insertFailed} drop=${this.drop} early_drop=${this.earlyDrop} error=${this.error} search_restart=${this.searchRestart}`;
  }
}
