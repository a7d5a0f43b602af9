/**
 * The readable summary `flowsim run` prints: what the router did with the traffic, what it cost
 * the SoC, what broke. Plain text; the caller decides about colour.
 */
import type { RunReport } from './types.ts';

function n(x: number): string {
  if (x >= 1e9) return `${(x / 1e9).toFixed(2)} G`;
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (x >= 1e4) return `${(x / 1e3).toFixed(1)} k`;
  return String(Math.round(x * 100) / 100);
}

function pct(part: number, whole: number): string {
  return whole > 0 ? `${((part / whole) * 100).toFixed(1)} %` : '–';
}

export function formatRunSummary(r: RunReport): string {
  const L: string[] = [];
  const fwd = r.paths.hardware + r.paths.software + r.paths.classic + r.paths.shortcut;
  L.push(`${r.scenario}`);
  L.push(`  mode ${r.mode}${r.mode_overridden ? ' (set on the command line, overriding the ruleset)' : ''}, seed ${r.seed}, ${r.duration_s} s simulated on ${r.model.soc}`);
  L.push('');
  L.push(`packets  offered ${n(r.packets.offered)}  transmitted ${n(r.packets.transmitted)}  local ${n(r.packets.delivered_local)}  dropped ${n(r.packets.dropped)}  queued ${n(r.packets.queued)}`);
  L.push(`paths    hardware ${n(r.paths.hardware)} (${pct(r.paths.hardware, fwd)})  software fast path ${n(r.paths.software)} (${pct(r.paths.software, fwd)})  classic ${n(r.paths.classic)} (${pct(r.paths.classic, fwd)})${r.paths.shortcut > 0 ? `  shortcut ${n(r.paths.shortcut)} (${pct(r.paths.shortcut, fwd)})` : ''}`);
  const drops = Object.entries(r.drops).sort((a, b) => b[1] - a[1]);
  if (drops.length > 0) L.push(`drops    ${drops.map(([k, v]) => `${n(v)} ${k}`).join(', ')}`);
  L.push(`traffic  ${r.traffic.flows} flows, ${r.traffic.handshakes} TCP handshakes (${r.traffic.failed_handshakes} failed, ${r.traffic.resets} reset), goodput ↓ ${r.traffic.goodput_mbit_down} Mbit/s ↑ ${r.traffic.goodput_mbit_up} Mbit/s`);
  const ft = r.flowtable;
  L.push(`flowtable ${ft.flows_added} flows added, ${ft.active_flows} active, ${ft.teardowns} torn down, ${ft.expired} expired${r.mode === 'hardware' ? `, ${ft.hw_offloaded} in hardware` : ''}`);
  const refused = Object.entries(ft.hw_refused);
  if (refused.length > 0) L.push(`          hardware refused: ${refused.map(([k, v]) => `${v} ${k}`).join(', ')}`);
  if (r.hardware) L.push(`engine   ${r.hardware.backend}: ${r.hardware.bound} entries bound, ${r.hardware.unbound} learned but unbound, ${r.hardware.binds} binds`);
  for (const [dev, s] of Object.entries(r.sqm)) {
    L.push(`sqm      ${dev} ${s.qdisc} ${s.rate_mbit} Mbit/s: ${n(s.shaped_packets)} shaped, ${n(s.bypassed_packets)} bypassed${s.bypassed_packets > 0 ? ' (hardware-offloaded: never reach the shaper)' : ''}, delay p50 ${s.p50_delay_ms} ms p99 ${s.p99_delay_ms} ms`);
  }
  L.push(`cpu      modelled load ${(r.model.cpu_load * 100).toFixed(1)} % of one ${r.model.cpu_mhz} MHz core; saturates near ${r.model.saturation_mbps > 0 ? `${n(r.model.saturation_mbps)} Mbit/s` : '∞ (no CPU work)'} for this traffic mix`);
  L.push(`engine   ${n(r.engine.packets_per_second)} packets/s simulated (${r.engine.ns_per_packet} ns/packet, ${r.engine.wall_ms} ms)`);
  const stages = Object.entries(r.engine.stages);
  if (stages.length > 0) L.push(`         router time per packet by road: ${stages.map(([k, v]) => `${k} ${v} ns`).join(', ')}`);
  for (const note of r.notes) L.push(`note     ${note}`);
  if (r.expect.failures.length > 0 || r.expect.passed) {
    L.push(r.expect.passed ? 'expect   all expectations hold' : `expect   ${r.expect.failures.length} failed:`);
    for (const f of r.expect.failures) L.push(`  ${f}`);
  }
  return L.join('\n') + '\n';
}
