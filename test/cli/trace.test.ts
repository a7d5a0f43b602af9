/**
 * `flowsim trace`: the road of one packet, the hook/chain/rule that decided, and for a packet that
 * was not offloaded, the reason; `--format nft` lines follow `nft monitor trace` (nftables
 * src/trace.c: `trace id <id> <family> <table> <chain> (packet: …|rule … (verdict …)|verdict …|policy …)`).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePacketSpec, traceScenario } from '../../src/cli/trace.ts';
import { buildScenario } from '../../src/sim/build.ts';
import { loadScenario } from '../../src/sim/run.ts';

const dir = join(import.meta.dirname, '..', '..', 'sim-scenarios');
const NFT_TRACE_LINE = /^trace id [0-9a-f]{8} (ip|ip6|inet|netdev) \S+ \S+ (packet: .+|rule .+ \(verdict [a-z]+( \S+)?\)|verdict [a-z]+|policy (accept|drop))$/;

describe('flowsim trace', () => {
  it('names the rule that accepted a new connection and says why it was not offloaded', () => {
    const sc = loadScenario(join(dir, 'mt7621-pppoe.yaml'));
    const built = buildScenario(sc, { mode: 'software', poolSlots: 8192 });
    const text = 'udp 192.168.1.100:5353 > 9.9.9.9:53 at 1s';
    const r = traceScenario(built, parsePacketSpec(text), text, 1);
    expect(r.path).toBe('classic');
    expect(r.fate).toBe('transmitted on wan');
    expect(r.steps.join('\n')).toMatch(/accept_to_wan rule meta oifname "pppoe-wan" counter .*accept \(verdict accept\)/);
    expect(r.steps.join('\n')).toMatch(/flow add @ft: not added — connection not confirmed yet/);
    expect(r.not_offloaded_because).toMatch(/no reply seen/);
    for (const line of r.nft) expect(line).toMatch(NFT_TRACE_LINE);
    expect(r.nft.length).toBeGreaterThan(5);
  });

  it('shows the fast-path hit for a packet of an offloaded flow', () => {
    const sc = loadScenario(join(dir, 'mt7621-pppoe-pitfall.yaml'));
    const built = buildScenario(sc, { mode: 'software', poolSlots: 8192 });
    // Find a live download flow and send one more of its packets from the laptop.
    const sim0 = traceScenario(built, parsePacketSpec('tcp 192.168.1.100:40000 > 198.18.0.1:443 flags A at 1s'), 'x', 1);
    expect(sim0.steps.length).toBeGreaterThan(0);
    const t = built.router.ft.table;
    let flow = -1;
    for (let i = 0; i < t.capacity && flow < 0; i++) if (t.inUse(i)) flow = i;
    expect(flow).toBeGreaterThanOrEqual(0);
    // The flowtable hook sits on br-lan (the L3 device listed), not on the port lan1.
    expect(sim0.steps.join('\n')).toMatch(/flowtable: no hook on lan1/);
  });

  it('rejects a malformed packet description with the expected form', () => {
    expect(() => parsePacketSpec('tcp 1.2.3.4 -> 5.6.7.8')).toThrow(/expected ">"/);
    expect(() => parsePacketSpec('sctp 1.2.3.4 > 5.6.7.8')).toThrow(/tcp, udp or icmp/);
    expect(() => parsePacketSpec('tcp 1.2.3.4:1 > 5.6.7.8:2 flags X')).toThrow(/unknown TCP flag/);
  });
});
